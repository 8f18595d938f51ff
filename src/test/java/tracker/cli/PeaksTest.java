package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tracker.testing.WireClient.alloc;
import static tracker.testing.WireClient.free;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * High-water marks end to end: a real daemon keeps each process's peak and each device's as
 * the events arrive; ps, audit and stats show them through the daemon and on the file, and a
 * restart goes on from the peaks and live bytes it left.
 */
class PeaksTest {

    private static final int DRAM = 0;
    private static final int L1 = 1;
    private static final String SELF = Integer.toString(WireClient.SELF_PID);

    @TempDir
    Path directory;

    @Test
    void processPeakIsTheMostHeldAtOnceAndSurvivesARestart() throws Exception {
        Path db;
        String secondAllocAt;
        String l1At;
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            db = daemon.database();
            client.send(alloc(0, 0x1000, 4096, DRAM));
            sync(daemon, client);
            client.send(alloc(0, 0x2000, 8192, DRAM));
            sync(daemon, client);
            client.send(free(0, 0x1000));
            sync(daemon, client);
            client.send(alloc(0, 0x3000, 1024, DRAM), alloc(1, 0x4000, 2048, L1));
            sync(daemon, client);
            secondAllocAt = allocatedAt(Cli.throughDaemon(db, "dump", "--format", "csv"), "0x2000");
            l1At = allocatedAt(Cli.throughDaemon(db, "dump", "--format", "csv"), "0x4000");

            // held now 11 KiB; at most 12 KiB, when the 8 KiB buffer came while the 4 KiB one was held
            Map<String, Object> ps = single(OutputRows.json(ok(Cli.throughDaemon(db, "ps", "--pid", SELF,
                    "--format", "json"))));
            assertEquals(List.of("pid", "state", "first_seen", "last_seen", "buffers", "cbs", "kernels", "buffer_bytes",
                    "cb_bytes", "kernel_bytes", "total_bytes", "peak_bytes", "peak_at", "peaks", "uid", "tags",
                    "command"), List.copyOf(ps.keySet()));
            assertEquals(11264L, ps.get("total_bytes"));
            assertEquals(12288L, ps.get("peak_bytes"));
            assertEquals(secondAllocAt, ps.get("peak_at"));
            assertEquals("[{\"device_id\":0,\"kind\":\"BUFFER\",\"type\":\"DRAM\",\"peak_bytes\":12288,\"peak_at\":\""
                    + secondAllocAt + "\"},{\"device_id\":1,\"kind\":\"BUFFER\",\"type\":\"L1\",\"peak_bytes\":2048,"
                    + "\"peak_at\":\"" + l1At + "\"}]", ps.get("peaks"));
            Map<String, String> csv = single(OutputRows.csv(ok(Cli.throughDaemon(db, "ps", "--pid", SELF,
                    "--format", "csv"))));
            assertEquals(List.of("11264", "12288", secondAllocAt), List.of(csv.get("total_bytes"),
                    csv.get("peak_bytes"), csv.get("peak_at")));
            String table = ok(Cli.throughDaemon(db, "ps", "--pid", SELF, "--wide"));
            assertEquals(List.of("pid", "state", "first_seen", "last_seen", "buffers", "cbs", "kernels", "total_bytes",
                    "peak", "uid", "command"), OutputRows.tableHeadings(table));
            assertEquals(List.of("11.0 KiB", "12.0 KiB"), List.of(single(OutputRows.table(table)).get("total_bytes"),
                    single(OutputRows.table(table)).get("peak")));
        }

        // the file the daemon left says the same
        Map<String, String> onFile = single(OutputRows.csv(ok(Cli.onFile("ps", "--db", db.toString(), "--pid", SELF,
                "--format", "csv"))));
        assertEquals(List.of("12288", secondAllocAt), List.of(onFile.get("peak_bytes"), onFile.get("peak_at")));

        // a restart goes on from the stored peak and the reloaded live bytes (11 KiB)
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            client.send(alloc(0, 0x5000, 1024, DRAM)); // 12 KiB again: not above the peak
            sync(daemon, client);
            Map<String, String> same = single(OutputRows.csv(ok(Cli.throughDaemon(db, "ps", "--pid", SELF,
                    "--format", "csv"))));
            assertEquals(List.of("12288", "12288", secondAllocAt), List.of(same.get("total_bytes"),
                    same.get("peak_bytes"), same.get("peak_at")));
            client.send(alloc(0, 0x6000, 4096, DRAM)); // 16 KiB: a new peak, 14 KiB of it DRAM on device 0
            sync(daemon, client);
            String newAt = allocatedAt(Cli.throughDaemon(db, "dump", "--format", "csv"), "0x6000");
            Map<String, Object> higher = single(OutputRows.json(ok(Cli.throughDaemon(db, "ps", "--pid", SELF,
                    "--format", "json"))));
            assertEquals(List.of(16384L, newAt), List.of(higher.get("peak_bytes"), higher.get("peak_at")));
            assertEquals("[{\"device_id\":0,\"kind\":\"BUFFER\",\"type\":\"DRAM\",\"peak_bytes\":14336,\"peak_at\":\""
                    + newAt + "\"},{\"device_id\":1,\"kind\":\"BUFFER\",\"type\":\"L1\",\"peak_bytes\":2048,"
                    + "\"peak_at\":\"" + l1At + "\"}]", higher.get("peaks"));
        }
    }

    @Test
    void statsGivesTheDevicePeaksOfTheWindowsInTheSpan() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            Instant start = now();
            client.send(alloc(0, 0x1000, 4096, DRAM));
            sync(daemon, client);
            client.send(alloc(0, 0x2000, 8192, DRAM));
            sync(daemon, client);
            client.send(free(0, 0x1000));
            sync(daemon, client);
            String peakAt = allocatedAt(Cli.throughDaemon(db, "dump", "--format", "csv"), "0x2000");
            Instant middle = later(now());
            // after the middle: 8 KiB carried in, then down to 2 KiB
            client.send(free(0, 0x2000), alloc(0, 0x3000, 2048, DRAM));
            sync(daemon, client);
            Instant late = later(now());
            client.send(alloc(0, 0x4000, 20480, DRAM)); // 22 KiB
            sync(daemon, client);
            String latePeakAt = allocatedAt(Cli.throughDaemon(db, "dump", "--format", "csv"), "0x4000");

            assertEquals(List.of(List.of("0", "BUFFER", "DRAM", "12288", peakAt)),
                    peaks(Cli.throughDaemon(db, "stats", "--since", start.toString(), "--until", middle.toString(),
                            "--format", "csv")));
            assertEquals(List.of(List.of("0", "BUFFER", "DRAM", "8192", middle.toString())),
                    peaks(Cli.throughDaemon(db, "stats", "--since", middle.toString(), "--until", late.toString(),
                            "--format", "csv")));
            assertEquals(List.of(List.of("0", "BUFFER", "DRAM", "22528", latePeakAt)),
                    peaks(Cli.throughDaemon(db, "stats", "--since", middle.toString(), "--format", "csv")));
            assertEquals(List.of(List.of("0", "BUFFER", "DRAM", "22528", latePeakAt)),
                    peaks(Cli.throughDaemon(db, "stats", "--until", Instant.now().plus(Duration.ofHours(2)).toString(),
                            "--format", "csv")));
            String json = ok(Cli.throughDaemon(db, "stats", "--since", start.toString(), "--until", middle.toString(),
                    "--format", "json"));
            assertEquals(true, json.contains("\"peaks\" : [ {\n    \"device_id\" : 0,\n    \"kind\" : \"BUFFER\",\n"
                    + "    \"type\" : \"DRAM\",\n    \"peak_bytes\" : 12288,\n    \"peak_at\" : \"" + peakAt + "\"\n  } ]"),
                    json);
            String table = ok(Cli.throughDaemon(db, "stats", "--since", start.toString(), "--until", middle.toString()));
            assertEquals(true, table.contains("Peaks from " + start + " to " + middle + ":\nDEVICE_ID  KIND    TYPE"
                    + "  PEAK_BYTES  PEAK_AT\n        0  BUFFER  DRAM    12.0 KiB  " + peakAt + "\n"), table);
            // without a span, stats is as it was
            assertEquals(false, ok(Cli.throughDaemon(db, "stats", "--format", "json")).contains("\"peaks\""));

            Cli.Result reversed = Cli.throughDaemon(db, "stats", "--since", late.toString(), "--until",
                    middle.toString());
            assertEquals(ExitCode.USAGE, reversed.exit());
            assertEquals("tracker: --since " + late + " is after --until " + middle + " (see 'tracker stats --help')",
                    reversed.err().lines().findFirst().orElseThrow());

            // the file gives the same answer
            String since = middle.toString();
            String until = late.toString();
            assertEquals(List.of(List.of("0", "BUFFER", "DRAM", "8192", middle.toString())),
                    peaks(Cli.onFileAfter(daemon, "stats", "--db", db.toString(), "--since", since, "--until", until,
                            "--format", "csv")));
        }
    }

    @Test
    void aReapedProcessesAuditKeepsItsPeak() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            HoldClient holder = HoldClient.start(daemon.socket(), "-b", "2", "-o", "0x100000");
            int pid = holder.awaitReady(Duration.ofSeconds(20));
            List<HeldRow> rows = List.copyOf(holder.expectedRows());
            tracker.testing.Await.until("pid " + pid + " holds memory", () -> Cli.throughDaemon(db, "dump", "--pid",
                    Integer.toString(pid), "--format", "csv").out().lines().count() == 1 + rows.size());
            daemon.flush();
            // one buffer per device and type: each group's peak is its buffer, reached when it came
            List<Map<String, String>> dump = OutputRows.csv(ok(Cli.throughDaemon(db, "dump", "--pid",
                    Integer.toString(pid), "--format", "csv")));
            String lastAt = dump.stream().map(row -> row.get("allocated_at")).max(String::compareTo).orElseThrow();
            long total = rows.stream().mapToLong(HeldRow::size).sum();
            String detail = "[" + String.join(",", dump.stream()
                    .sorted(java.util.Comparator.comparing((Map<String, String> row) -> row.get("device_id"))
                            .thenComparing(row -> row.get("type")))
                    .map(row -> "{\"device_id\":" + row.get("device_id") + ",\"kind\":\"BUFFER\",\"type\":\""
                            + row.get("type") + "\",\"peak_bytes\":" + row.get("size") + ",\"peak_at\":\""
                            + row.get("allocated_at") + "\"}").toList()) + "]";
            holder.close();
            daemon.daemon().reaper().reapNow();
            daemon.flush();

            Map<String, Object> audit = single(OutputRows.json(ok(Cli.throughDaemon(db, "audit", "--pid",
                    Integer.toString(pid), "--format", "json"))));
            assertEquals(List.of(total, lastAt), List.of(audit.get("peak_bytes"), audit.get("peak_at")));
            assertEquals(detail, audit.get("peaks"));
            Map<String, String> csv = single(OutputRows.csv(ok(Cli.onFileAfter(daemon, "audit", "--db", db.toString(),
                    "--format", "csv", "--since", "1d"))));
            assertEquals(Integer.toString(pid), csv.get("pid"));
            assertEquals(List.of(Long.toString(total), lastAt), List.of(csv.get("peak_bytes"), csv.get("peak_at")));
            String table = ok(Cli.onFile("audit", "--db", db.toString(), "--wide"));
            assertEquals(List.of("reap_id", "pid", "reaped_at", "reason", "buffers", "cbs", "kernels", "total_bytes",
                    "peak", "command"), OutputRows.tableHeadings(table));
        }
    }

    /** Every frame sent so far applied, and committed. */
    private static void sync(TestDaemon daemon, WireClient client) throws Exception {
        client.query(0);
        daemon.flush();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** A time strictly after {@code t} has passed, so that later events are later than it. */
    private static Instant later(Instant t) throws InterruptedException {
        tracker.testing.Await.until("the clock passes " + t, () -> now().isAfter(t.plusMillis(1)));
        return t;
    }

    private static String allocatedAt(Cli.Result dump, String bufferId) {
        return OutputRows.csv(ok(dump)).stream().filter(row -> row.get("buffer_id").equals(bufferId)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + bufferId + " in " + dump.out())).get("allocated_at");
    }

    /** The peak rows of stats' CSV: device, kind, type, bytes, time. */
    private static List<List<String>> peaks(Cli.Result stats) {
        List<Map<String, String>> rows = OutputRows.csv(ok(stats)).stream()
                .filter(row -> row.get("section").equals("peak")).toList();
        List<List<String>> peaks = new java.util.ArrayList<>();
        for (int i = 0; i < rows.size(); i += 2) {
            Map<String, String> bytes = rows.get(i);
            peaks.add(List.of(bytes.get("device_id"), bytes.get("kind"), bytes.get("type"), bytes.get("value"),
                    rows.get(i + 1).get("value")));
        }
        return peaks;
    }

    private static String ok(Cli.Result result) {
        assertEquals(ExitCode.OK, result.exit(), result.err());
        return result.out();
    }

    private static <T> T single(List<T> rows) {
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }
}
