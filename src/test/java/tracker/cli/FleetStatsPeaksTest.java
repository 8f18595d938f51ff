package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats --since/--until} on a fleet store, from the minutes the daemons shipped
 * ({@link ShippedFleet}), against what each host's own database file answers for the same
 * span.
 */
class FleetStatsPeaksTest {

    @TempDir
    static Path directory;

    static ShippedFleet fleet;

    /** The most a fleet_load.py client holds at once: WINDOW + 1 buffers of 4096 * (1 + n % 7), three whole cycles. */
    static final long LOAD_PEAK = 3 * 28 * 4096;

    @BeforeAll
    static void ship() throws Exception {
        fleet = ShippedFleet.start(directory);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** Per host (empty on a host's own file), device, kind and type: [peak_bytes, peak_at], from CSV. */
    static Map<String, List<String>> peaks(Cli.Result result) {
        assertEquals(ExitCode.OK, result.exit(), result.err());
        List<String> lines = result.out().lines().toList();
        boolean hosted = lines.get(0).startsWith("host,");
        Map<String, List<String>> peaks = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            int first = hosted ? 1 : 0;
            if (!cells[first].equals("peak")) {
                continue;
            }
            String key = (hosted ? cells[0] : "") + "/" + cells[first + 2] + "/" + cells[first + 3] + "/"
                    + cells[first + 4];
            List<String> value = peaks.computeIfAbsent(key, k -> new ArrayList<>(List.of("", "")));
            value.set(cells[first + 1].equals("peak_bytes") ? 0 : 1, cells[first + 5]);
        }
        return peaks;
    }

    static Cli.Result stats(String db, Instant since, Instant until, String... more) {
        List<String> args = new ArrayList<>(List.of("stats", "--db", db, "--since", since.toString(), "--until",
                until.toString()));
        args.addAll(List.of(more));
        return Cli.onFile(args.toArray(String[]::new));
    }

    /** A host's own answer, keyed as the store's with {@code host}. */
    static Map<String, List<String>> local(String host, Instant since, Instant until) {
        Map<String, List<String>> hosted = new TreeMap<>();
        peaks(stats(fleet.files.get(host).toString(), since, until, "--format", "csv"))
                .forEach((key, value) -> hosted.put(host + key, value));
        return hosted;
    }

    static Map<String, List<String>> central(Instant since, Instant until, String... more) {
        List<String> args = new ArrayList<>(List.of("--format", "csv"));
        args.addAll(List.of(more));
        return peaks(stats(fleet.url, since, until, args.toArray(String[]::new)));
    }

    @Test
    void theLoadsWholeMinutesGiveEachHostsOwnPeaksExactly() {
        Instant since = fleet.loadStart.truncatedTo(ChronoUnit.MINUTES);
        Instant until = fleet.loadEnd.truncatedTo(ChronoUnit.MINUTES).plus(ChronoUnit.MINUTES.getDuration());
        Map<String, List<String>> expected = new TreeMap<>();
        for (String host : ShippedFleet.HOSTS) {
            Map<String, List<String>> own = local(host, since, until);
            assertEquals(List.of(host + "/0/BUFFER/DRAM"), List.copyOf(own.keySet()), own.toString());
            assertEquals(String.valueOf(LOAD_PEAK), own.get(host + "/0/BUFFER/DRAM").get(0), own.toString());
            expected.putAll(own);
            assertEquals(own, central(since, until, "--host", host), "--host " + host);
        }
        assertEquals(expected, central(since, until));
    }

    @Test
    void spansOfWholeMinutesOfTheShippedWindowsEqualTheHostsOwnAnswer() {
        Instant base = fleet.base;
        // all of them; from 11:00 (the 9 KiB at 12:06); from 13:00 (3 KiB at 15:30, above the 2 KiB carried in)
        for (String[] span : new String[][] {{"10:00", "20:00"}, {"11:00", "13:00"}, {"13:00", "20:00"},
                {"10:00", "11:00"}, {"12:00", "13:00"}}) {
            Instant since = ShippedFleet.at(base, span[0]);
            Instant until = ShippedFleet.at(base, span[1]);
            Map<String, List<String>> own = local("alpha", since, until);
            assertFalse(own.isEmpty(), span[0]);
            assertEquals(own, central(since, until, "--host", "alpha"), span[0] + " to " + span[1]);
        }
        assertEquals(List.of("9216", ShippedFleet.at(base, "12:06").toString()),
                central(ShippedFleet.at(base, "10:00"), ShippedFleet.at(base, "20:00")).get("alpha/1/BUFFER/DRAM"));
        assertEquals(List.of("1024", ShippedFleet.at(base, "12:05").toString()),
                central(ShippedFleet.at(base, "10:00"), ShippedFleet.at(base, "20:00")).get("alpha/1/CB/L1"));
        assertEquals(List.of("3072", ShippedFleet.at(base, "15:30").toString()),
                central(ShippedFleet.at(base, "13:00"), ShippedFleet.at(base, "20:00")).get("alpha/1/BUFFER/DRAM"));
    }

    @Test
    void aRaggedEdgeCountsItsWholeMinuteAndNoLevelIsCarriedBetweenMinutes() {
        Instant base = fleet.base;
        // from 10:30: the host's own file has the 2 KiB of the window at 10:40 (above the 1 KiB
        // held at 10:30); the store has only the minute 10:00-10:59, whose peak was 5 KiB at 10:20
        Instant since = ShippedFleet.at(base, "10:30");
        Instant until = ShippedFleet.at(base, "11:00");
        assertEquals(List.of("2048", ShippedFleet.at(base, "10:45").toString()),
                local("alpha", since, until).get("alpha/1/BUFFER/DRAM"));
        assertEquals(List.of("5120", ShippedFleet.at(base, "10:20").toString()),
                central(since, until, "--host", "alpha").get("alpha/1/BUFFER/DRAM"));
        // up to 12:03 (the window at 12:05 began after it): the minute 12 began before it, and counts
        Instant from = ShippedFleet.at(base, "11:00");
        Instant to = ShippedFleet.at(base, "12:03");
        assertEquals(Map.of(), local("alpha", from, to));
        assertEquals(List.of("9216", ShippedFleet.at(base, "12:06").toString()),
                central(from, to, "--host", "alpha").get("alpha/1/BUFFER/DRAM"));
        // 13:00 to 14:00: nothing recorded in it; the file has the 2 KiB held since 12:05, the store no row
        Instant quietSince = ShippedFleet.at(base, "13:00");
        Instant quietUntil = ShippedFleet.at(base, "14:00");
        assertEquals(List.of("2048", quietSince.toString()), local("alpha", quietSince, quietUntil)
                .get("alpha/1/BUFFER/DRAM"));
        assertEquals(Map.of(), central(quietSince, quietUntil, "--host", "alpha"));
    }

    @Test
    void tableAndJsonPutTheHostFirst() {
        Instant since = ShippedFleet.at(fleet.base, "10:00");
        Instant until = ShippedFleet.at(fleet.base, "20:00");
        Cli.Result table = stats(fleet.url, since, until, "--host", "alpha");
        assertEquals(ExitCode.OK, table.exit(), table.err());
        String heading = "Peaks from " + since + " to " + until + ", by the minute:";
        List<String> lines = table.out().lines().toList();
        int at = lines.indexOf(heading);
        assertTrue(at >= 0, table.out());
        assertTrue(lines.get(at + 1).matches("HOST +DEVICE_ID +KIND +TYPE +PEAK_BYTES +PEAK_AT"), table.out());
        assertTrue(lines.get(at + 2).matches("alpha +1 +BUFFER +DRAM +9\\.00 KiB +" + ShippedFleet.at(fleet.base,
                "12:06") + " *"), table.out());

        Cli.Result json = stats(fleet.url, since, until, "--format", "json");
        assertEquals(ExitCode.OK, json.exit(), json.err());
        String compact = json.out().replaceAll("\\s", "");
        assertTrue(compact.contains("\"peaks\":[{\"host\":\"alpha\",\"device_id\":1,\"kind\":\"BUFFER\",\"type\":"
                + "\"DRAM\",\"peak_bytes\":9216,\"peak_at\":\"" + ShippedFleet.at(fleet.base, "12:06") + "\"},"),
                json.out());
        // beta recorded nothing then
        assertFalse(compact.contains("\"host\":\"beta\",\"device_id\""), json.out());
    }

    @Test
    void hostKeepsOnlyItsPeaks() {
        Instant since = fleet.loadStart.truncatedTo(ChronoUnit.MINUTES);
        Instant until = fleet.loadEnd.plus(ChronoUnit.MINUTES.getDuration());
        Map<String, List<String>> beta = central(since, until, "--host", "beta");
        assertEquals(List.of("beta/0/BUFFER/DRAM"), List.copyOf(beta.keySet()));
        Cli.Result unknown = stats(fleet.url, since, until, "--host", "gamma");
        assertEquals(ExitCode.USAGE, unknown.exit());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
    }

    @Test
    void untilBeforeSinceIsAUsageErrorOnTheStoreToo() {
        Instant since = fleet.loadEnd;
        Cli.Result refused = stats(fleet.url, since, since.minusSeconds(60));
        assertEquals(ExitCode.USAGE, refused.exit());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().contains("is after --until"), refused.err());
        assertEquals("", refused.out());
        Cli.Result garbled = Cli.onFile("stats", "--db", fleet.url, "--since", "yesterday-ish");
        assertEquals(ExitCode.USAGE, garbled.exit());
        assertFalse(garbled.err().contains(fleet.server.password()), garbled.err());
    }
}
