package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * {@code tracker history --format trace} on a real daemon with real client processes: one
 * holding buffers, CBs and kernels on two devices, one that allocates and frees everything,
 * one under a hostile command line killed with SIGKILL and reaped, and this JVM over the wire.
 * The trace keeps the Trace Event Format's rules ({@link ChromeTraceRules}), its counters end
 * where {@code tracker stats} says the devices are, the reap is marked, and the answer is the
 * same through the daemon and on the file.
 */
class HistoryTraceTest {

    /** A command line that would run script in a page that did not escape it, and breaks naive JSON. */
    static final String HOSTILE = "<script>alert(\"x\")</script>\\\n\u001b[31m";

    @TempDir
    Path directory;

    @Test
    void countersEndAtWhatStatsSaysAndTheReapIsMarked() throws Exception {
        Path db;
        int killed;
        String throughDaemon;
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient holder = HoldClient.start(daemon.socket(), "-b", "6", "-c", "2", "-k", "3", "-o", "0x100000");
             HoldClient freer = HoldClient.start(daemon.socket(), "-b", "4", "-r", "-f", "-o", "0x200000");
             HoldClient victim = HoldClient.start(List.of("bash", "-c", "exec -a \"$0\" \"$@\"", HOSTILE),
                     daemon.socket(), "-b", "5", "-c", "1", "-o", "0x300000");
             WireClient wire = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            db = daemon.database();
            int holderPid = holder.awaitReady(Duration.ofSeconds(10));
            freer.awaitReady(Duration.ofSeconds(10));
            killed = victim.awaitReady(Duration.ofSeconds(10));
            wire.send(WireClient.alloc(1, 0x9000, 1 << 20, 0), WireClient.alloc(1, 0x9100, 4096, 0));
            wire.send(WireClient.free(1, 0x9000));
            wire.query(0);
            HoldClient.kill9(killed);
            Poll.until(Duration.ofSeconds(10), () -> Cli.throughDaemon(db, "audit", "--pid", Integer.toString(killed),
                    "--format", "csv").out().lines().count() > 1, "pid " + killed + " reaped");
            daemon.flush();

            Cli.Result trace = Cli.throughDaemon(db, "history", "--format", "trace");
            assertEquals(0, trace.exit(), trace.err());
            throughDaemon = trace.out();
            List<Map<String, Object>> events = ChromeTraceRules.events(throughDaemon);
            assertEquals(liveBytes(Cli.throughDaemon(db, "stats", "--format", "json").out()), finalCounters(events));

            // the reap, on the victim's track, with what it held: 5 buffers and a CB
            List<Map<String, Object>> reaps = events.stream().filter(e -> e.get("ph").equals("i")).toList();
            assertEquals(1, reaps.size(), reaps.toString());
            Map<String, Object> reap = reaps.get(0);
            assertEquals((long) killed, reap.get("pid"));
            @SuppressWarnings("unchecked")
            Map<String, Object> reapArgs = (Map<String, Object>) reap.get("args");
            Map<String, Object> audit = OutputRows.json(Cli.throughDaemon(db, "audit", "--pid", Integer.toString(killed),
                    "--format", "json").out()).get(0);
            assertEquals(audit.get("total_bytes"), reapArgs.get("bytes"), reapArgs.toString());
            assertEquals(audit.get("reason"), reapArgs.get("reason"));
            assertTrue((Long) reapArgs.get("bytes") > 0, reapArgs.toString());

            // every process a track with its lifetime; the hostile command line comes back as it was
            Map<Long, String> lifetimes = events.stream().filter(e -> e.get("ph").equals("X"))
                    .collect(Collectors.toMap(e -> (Long) e.get("pid"), e -> (String) e.get("name")));
            assertTrue(lifetimes.keySet().containsAll(List.of((long) holderPid, (long) killed,
                    (long) WireClient.SELF_PID)), lifetimes.toString());
            assertTrue(lifetimes.get((long) killed).startsWith("pid " + killed + ": " + HOSTILE + " "),
                    lifetimes.get((long) killed));
            // each counter event in the reap's microsecond comes before the instant (the reap removed it)
            long reapTs = (Long) reap.get("ts");
            assertTrue(events.stream().anyMatch(e -> e.get("ph").equals("C") && (Long) e.get("ts") == reapTs),
                    "a counter falls at the reap");
        }
        // on the file the daemon left: the same counters, then the reaps of the clients ended since, down to
        // what stats on the file says is still held
        List<Map<String, Object>> onFile = ChromeTraceRules.events(ok(Cli.onFile("history", "--db", db.toString(),
                "--format", "trace")));
        List<String> before = counters(ChromeTraceRules.events(throughDaemon));
        assertEquals(before, counters(onFile).subList(0, before.size()));
        assertEquals(liveBytes(ok(Cli.onFile("stats", "--db", db.toString(), "--format", "json"))),
                finalCounters(onFile));
    }

    @Test
    void sinceStartsEachCounterAtWhatWasHeldThen() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient wire = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            wire.send(WireClient.alloc(0, 0x1000, 4096, 0), WireClient.alloc(0, 0x2000, 8192, 1));
            wire.query(0);
            daemon.flush();
            Instant middle = Instant.now();
            Poll.until(Duration.ofSeconds(1), () -> Instant.now().isAfter(middle.plusMillis(2)), "time passes");
            wire.send(WireClient.free(0, 0x1000));
            wire.query(0);
            daemon.flush();

            List<Map<String, Object>> events = ChromeTraceRules.events(ok(Cli.throughDaemon(db, "history",
                    "--format", "trace", "--since", middle.toString())));
            List<Map<String, Object>> counters = events.stream().filter(e -> e.get("ph").equals("C")).toList();
            long since = tracker.store.Times.micros(middle);
            // at the start, the levels held: 4 KiB of DRAM and 8 KiB of L1; then DRAM down to 0
            assertEquals(List.of(List.of(since, "DRAM", 4096L), List.of(since, "L1", 8192L)),
                    counters.subList(0, 2).stream().map(e -> List.of(e.get("ts"), e.get("name"), bytes(e))).toList());
            assertEquals(3, counters.size(), counters.toString());
            assertEquals(List.of("DRAM", 0L), List.of(counters.get(2).get("name"), bytes(counters.get(2))));
            assertTrue((Long) counters.get(2).get("ts") > since);

            // after everything: each counter once, at the span's start, at its final level
            Instant after = Instant.now();
            List<Map<String, Object>> late = ChromeTraceRules.events(ok(Cli.throughDaemon(db, "history",
                    "--format", "trace", "--since", after.toString())));
            assertEquals(liveBytes(Cli.throughDaemon(db, "stats", "--format", "json").out()), finalCounters(late));
        }
    }

    @Test
    void anEmptyHistoryIsAnEmptyTraceAndOtherCommandsRefuseTheFormat() throws Exception {
        Path db;
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            db = daemon.database();
            String empty = ok(Cli.throughDaemon(db, "history", "--format", "trace"));
            assertEquals(List.of(), ChromeTraceRules.events(empty));
        }
        assertEquals(List.of(), ChromeTraceRules.events(ok(Cli.onFile("history", "--db", db.toString(),
                "--format", "trace"))));
        // the page of nothing says so
        String page = ok(Cli.onFile("report", "--db", db.toString(), "--html", "-"));
        assertTrue(page.contains("<p>No device memory was allocated in this span.</p>") && page.endsWith("</html>\n"),
                page);
        for (List<String> refused : List.of(List.of("history", "--format", "trace", "--limit", "5"),
                List.of("history", "--format", "trace", "--buffer", "0x10"), List.of("stats", "--format", "trace"),
                List.of("leaks", "--format", "trace"))) {
            List<String> args = new java.util.ArrayList<>(refused);
            args.addAll(List.of("--db", db.toString()));
            Cli.Result result = Cli.onFile(args.toArray(new String[0]));
            assertEquals(ExitCode.USAGE, result.exit(), refused + ": " + result.err());
            assertTrue(result.err().lines().findFirst().orElse("").contains("--"), result.err());
        }
    }

    private static String ok(Cli.Result result) {
        assertEquals(0, result.exit(), result.err());
        return result.out();
    }

    private static long bytes(Map<String, Object> counter) {
        return (Long) ((Map<?, ?>) counter.get("args")).get("bytes");
    }

    /** Every counter event as device/name/ts/bytes, in order. */
    private static List<String> counters(List<Map<String, Object>> events) {
        return events.stream().filter(e -> e.get("ph").equals("C"))
                .map(e -> e.get("pid") + "/" + e.get("name") + "/" + e.get("ts") + "/" + bytes(e)).toList();
    }

    /** The last value of each counter that ends above 0, by "device N LABEL". */
    private static Map<String, Long> finalCounters(List<Map<String, Object>> events) {
        Map<String, Long> last = new TreeMap<>();
        for (Map<String, Object> event : events) {
            if (event.get("ph").equals("C")) {
                long device = (Long) event.get("pid") - ChromeTrace.DEVICE_PID_BASE;
                last.put("device " + device + " " + event.get("name"), bytes(event));
            }
        }
        last.values().removeIf(bytes -> bytes == 0);
        return last;
    }

    /** What {@code stats --format json} says each device, kind and type holds, named as the trace names it. */
    @SuppressWarnings("unchecked")
    static Map<String, Long> liveBytes(String statsJson) {
        Map<String, Long> live = new TreeMap<>();
        for (Object row : (List<Object>) ((Map<String, Object>) JsonTree.parse(statsJson)).get("devices")) {
            Map<String, Object> group = (Map<String, Object>) row;
            MemoryGroup memory = new MemoryGroup(((Long) group.get("device_id")).intValue(), (String) group.get("kind"),
                    (String) group.get("type"));
            live.put("device " + memory.deviceId() + " " + memory.label(), (Long) group.get("bytes"));
        }
        assertTrue(!live.isEmpty() || statsJson.contains("\"devices\""), statsJson);
        return live;
    }
}
