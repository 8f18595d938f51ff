package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.store.Database;
import tracker.testing.Await;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * Many clients at once: a thousand concurrent connections are all answered and committed
 * exactly; at the file-descriptor limit the daemon says so once, keeps serving the
 * connections it has, and accepts again when some close.
 */
class ManyClientsTest {

    static final int CONNECTIONS = 1000;

    @TempDir
    Path directory;

    /** Connection i reports on device i: its QUERY reply depends on its own frames only. */
    static List<Frame> framesOf(int i) {
        int pid = WireClient.SELF_PID;
        long base = 0x100_0000L * (i + 1);
        return List.of(
                WireClient.frame(MessageType.ALLOC, i, 4096L * (1 + i % 7), 0, pid, base),
                WireClient.frame(MessageType.ALLOC, i, 2048, 1, pid, base + 0x100),
                WireClient.frame(MessageType.ALLOC, i, 1024, 3, pid, base + 0x200),
                WireClient.frame(MessageType.ALLOC, i, 512, 4, pid, base + 0x300),
                WireClient.frame(MessageType.ALLOC, i, 512, 4, pid, base + 0x300),
                WireClient.frame(MessageType.FREE, i, 0, 0, pid, base + 0x100),
                WireClient.frame(MessageType.CB_ALLOC, i, 8192, 0, pid, base + 0x400),
                WireClient.frame(MessageType.KERNEL_LOAD, i, 16384, i % 3, pid, base + 0x500));
    }

    @Test
    void aThousandConcurrentConnectionsAreAllAnsweredAndCommittedExactly() throws Exception {
        LiveModel model = new LiveModel();
        long frames = 0;
        for (int i = 0; i < CONNECTIONS; i++) {
            model.applyAll(framesOf(i));
            frames += framesOf(i).size();
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<WireClient> clients = new ArrayList<>();
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(WireClient.connect(daemon.socket()));
            }
            Await.until(Duration.ofSeconds(60), () -> daemon.daemon().metrics().connectionsOpen() == CONNECTIONS,
                    () -> "all connections open at once: " + daemon.daemon().metrics().connectionsOpen());

            // every connection sends its frames and asks for its totals, sixteen at a time
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < CONNECTIONS; i += 16) {
                        WireClient client = clients.get(i);
                        client.send(framesOf(i).toArray(Frame[]::new));
                        assertEquals(model.totals(i), LiveModel.totalsIn(client.query(i)), "connection " + i);
                    }
                    return null;
                }));
            }
            for (Future<?> batch : done) {
                batch.get(120, TimeUnit.SECONDS);
            }
            assertEquals(CONNECTIONS, daemon.daemon().metrics().connectionsOpen(), () -> "connections closed early:\n"
                    + daemon.output().lines().filter(l -> l.contains("disconnected")).limit(5)
                    .collect(java.util.stream.Collectors.joining("\n")));

            for (WireClient client : clients) {
                client.close();
            }
            Await.until(Duration.ofSeconds(60), () -> daemon.daemon().metrics().connectionsOpen() == 0,
                    () -> "all connections closed: " + daemon.daemon().metrics().connectionsOpen() + " open");
            daemon.flush();
            assertEquals(model.rows(), LiveRows.set(daemon), "the committed live set");
            assertEquals(frames, LiveRows.counter(daemon, "events"));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
            assertEquals(CONNECTIONS, daemon.daemon().metrics().connectionsAccepted());
            // a connection counts as closed just before its line is logged
            Await.until(Duration.ofSeconds(10), () -> daemon.output().lines()
                            .filter(l -> l.contains("client disconnected")).count() == CONNECTIONS,
                    () -> "a disconnect line per connection");
            try (WireClient observer = WireClient.connect(daemon.socket())) {
                for (int device : new int[] {0, 499, 999}) {
                    assertEquals(model.totals(device), LiveModel.totalsIn(observer.query(device)), "device " + device);
                }
            }
        } finally {
            pool.shutdownNow();
            for (WireClient client : clients) {
                client.close();
            }
        }
    }

    /**
     * Only the existing client reports records, and it stays connected until the end: no
     * disconnect sends the reaper to /proc while descriptors are short (what it would find
     * then is {@link #aLiveProcessIsNotTakenForDeadWhenDescriptorsRunOut}'s business).
     */
    @Test
    // a daemon whose ledger died answers no QUERY: a failure, not a hang of the whole build
    @org.junit.jupiter.api.Timeout(120)
    void atTheFileDescriptorLimitTheDaemonWaitsKeepsServingAndAcceptsAgain() throws Exception {
        assumePrlimit();
        ServerConfig config = TestDaemon.config(directory, WireVersion.V3);
        String limitLine = "file-descriptor limit reached";
        List<WireClient> flood = new ArrayList<>();
        try (ChildServe serve = ChildServe.start(List.of("prlimit", "--nofile=128:128"), config.socket(),
                config.database(), "--commit-interval", "100ms", "--reap-interval", "60s");
             WireClient existing = WireClient.connect(config.socket())) {
            existing.send(WireClient.alloc(0, 0x10, 4096, 0), WireClient.alloc(3, 0x30, 256, 1));
            assertEquals(4096, LiveModel.totalsIn(existing.query(0)).dram());
            try (WireClient warm = WireClient.connect(config.socket())) { // a connection's whole life, once
                warm.deviceInfo(-1);
            }

            // connect, each time until the daemon has taken the connection or says it cannot; then sixty
            // more, which wait in the listen backlog
            int beyond = -1;
            while (flood.size() < 500 && (beyond < 0 || flood.size() < beyond + 60)) {
                WireClient client = WireClient.connect(config.socket());
                flood.add(client);
                if (beyond < 0) {
                    long accepted = 2 + flood.size();
                    Await.until(ChildServe.STARTUP, () -> serve.output().contains(limitLine)
                                    || countLines(serve.output(), "client connected") >= accepted,
                            () -> "connection " + accepted + " taken or refused:\n" + tail(serve.output()));
                    if (serve.output().contains(limitLine)) {
                        beyond = flood.size();
                    }
                }
            }
            assertTrue(beyond > 0, "the daemon never reached its descriptor limit with " + flood.size()
                    + " connections:\n" + tail(serve.output()));
            assertTrue(serve.process().isAlive(), "the daemon is alive at the limit");
            assertEquals(4096, LiveModel.totalsIn(existing.query(0)).dram(), "an existing connection is served");

            // ten clients leave: the daemon takes waiting connections until it is at its limit again
            for (WireClient client : flood.subList(0, 10)) {
                client.close();
            }
            Await.until(ChildServe.STARTUP, () -> serve.output().contains("accepting connections again"),
                    () -> "accepting again after connections closed:\n" + tail(serve.output()));
            assertEquals(4096, LiveModel.totalsIn(existing.query(0)).dram(), "an existing connection is served");

            // all leave: every waiting connection is taken and ended, and new clients are served
            for (WireClient client : flood) {
                client.close();
            }
            long ended = 1 + flood.size();
            Await.until(ChildServe.STARTUP, () -> countLines(serve.output(), "client disconnected") == ended,
                    () -> "every connection taken and ended: " + countLines(serve.output(), "client disconnected")
                            + " of " + ended + "\n" + tail(serve.output()));
            try (WireClient newcomer = WireClient.connect(config.socket())) {
                newcomer.send(WireClient.alloc(2, 0x20, 128, 0));
                assertEquals(128, LiveModel.totalsIn(newcomer.query(2)).dram(), "a new connection is served");
            }
            assertEquals(4096, LiveModel.totalsIn(existing.query(0)).dram(), "records of a live client kept");
            assertEquals(256, LiveModel.totalsIn(existing.query(3)).l1(), "records of a live client kept");
            serve.stop();
            Await.until(ChildServe.STARTUP, () -> serve.output().contains("stopped:"),
                    () -> "a clean stop:\n" + tail(serve.output()));
        } finally {
            for (WireClient client : flood) {
                client.close();
            }
        }
        try (Database database = Database.open(config.database(), Database.Access.READ_ONLY)) {
            assertEquals(Set.of(new Row("BUFFER", 0, 0x10, "DRAM", 4096, 1), new Row("BUFFER", 3, 0x30, "L1", 256, 1),
                    new Row("BUFFER", 2, 0x20, "DRAM", 128, 1)), new HashSet<>(LiveRows.all(database.jdbi())),
                    "live rows after the stop");
            assertEquals(0L, (long) database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM reaps")
                    .mapTo(Long.class).one()), "reaps of live clients");
        }
    }

    /**
     * The daemon accepts until it has no descriptor left, so its /proc readers must not take
     * "no descriptor" for "no process": a live client would be reaped (its records lost) or
     * recorded with a wrong start time. Asked at the limit, the answer about a live process
     * must be ALIVE or UNKNOWN, never EXITED.
     */
    @Test
    void aLiveProcessIsNotTakenForDeadWhenDescriptorsRunOut() throws Exception {
        assumePrlimit();
        List<String> command = List.of("prlimit", "--nofile=64:64", ChildServe.java(), "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", ChildServe.classpath(),
                ProbeAtDescriptorLimit.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the probe finished");
        List<String> lines = output.lines().toList();
        String start = lines.stream().filter(l -> l.startsWith("start ")).findFirst()
                .orElseThrow(() -> new AssertionError(output)).split(" ")[1];
        assertTrue(output.contains("Too many open files"), output);
        assertTrue(lines.contains("after ALIVE"), output);
        String atLimit = lines.stream().filter(l -> l.startsWith("at-limit ")).findFirst()
                .orElseThrow(() -> new AssertionError(output));
        String[] fields = atLimit.split(" ");
        assertTrue(fields[1].equals("ALIVE") || fields[1].equals("UNKNOWN"),
                "a live process probed with no descriptor left is " + fields[1] + ":\n" + output);
        assertTrue(fields[2].equals(start) || fields[2].equals("-1"),
                "a live process resolved with no descriptor left gets start ticks " + fields[2] + " instead of "
                        + start + ":\n" + output);
    }

    private static void assumePrlimit() {
        boolean prlimit = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            prlimit |= Files.isExecutable(Path.of(dir, "prlimit"));
        }
        if (!prlimit) {
            System.out.println("SKIPPED: prlimit is not installed");
        }
        Assumptions.assumeTrue(prlimit, "prlimit is not installed");
    }

    /** The output without its "client connected" and "disconnected" lines, and only the last of the rest. */
    static String tail(String output) {
        List<String> lines = output.lines()
                .filter(l -> !l.contains("client connected") && !l.contains("client disconnected")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static long countLines(String output, String needle) {
        return output.lines().filter(l -> l.contains(needle)).count();
    }

}
