package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.testing.Await;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * A daemon killed with SIGKILL while clients write: the next daemon opens the database, says
 * the previous one did not stop cleanly, and starts from a state every client could have
 * been in (a prefix of each connection's stream, with the counters of the same commit),
 * holding everything that was committed before the kill; processes that died meanwhile are
 * reaped at start-up; clients that keep sending are tracked on after they reconnect.
 */
class DaemonKillRestartTest {

    static final int[] QUIET_DEVICES = {10, 11};
    static final int[] LOADED_DEVICES = {20, 21};
    static final Duration COMMITTED = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    /**
     * Writes an endless sliding window on one device: frame 2s allocates buffer s, frame 2s+1
     * frees buffer s - WINDOW (a FREE of an unknown key while s < WINDOW). So the state after
     * any prefix of k frames is the buffers [max(0, k/2 - WINDOW), (k+1)/2), and a committed
     * state names the prefix it comes from.
     */
    static final class LoadedWriter {
        static final int WINDOW = 48;
        static final int FRAMES_PER_WRITE = 32;

        final int device;
        final long base;
        /** frames in writes that returned */
        volatile long written;
        /** frames in writes that were started (the last one may have been cut by the kill) */
        volatile long attempted;

        LoadedWriter(int device) {
            this.device = device;
            this.base = 0x7000_0000_0000L + ((long) device << 32);
        }

        long id(long step) {
            return base + step * 0x100;
        }

        static long size(long step) {
            return 4096 * (1 + step % 13);
        }

        static int memoryType(long step) {
            return (int) (step % 5);
        }

        Frame frame(long index) {
            long step = index / 2;
            return index % 2 == 0
                    ? WireClient.frame(MessageType.ALLOC, device, size(step), memoryType(step), WireClient.SELF_PID, id(step))
                    : WireClient.frame(MessageType.FREE, device, 0, 0, WireClient.SELF_PID, id(step - WINDOW));
        }

        /** The rows after the first {@code k} frames. */
        Set<Row> stateAfter(long k) {
            Set<Row> rows = new HashSet<>();
            for (long step = Math.max(0, k / 2 - WINDOW); step < (k + 1) / 2; step++) {
                rows.add(new Row("BUFFER", device, id(step), MemoryType.ofCode(memoryType(step)).name(), size(step), 1));
            }
            return rows;
        }

        /** The k whose state these rows are, or -1 when they are the state of no prefix. */
        long prefixOf(Set<Row> rows) {
            if (rows.isEmpty()) {
                return 0;
            }
            long highest = rows.stream().mapToLong(r -> (r.bufferId() - base) / 0x100).max().orElseThrow();
            for (long k : new long[] {2 * highest + 1, 2 * highest + 2}) {
                if (stateAfter(k).equals(rows)) {
                    return k;
                }
            }
            return -1;
        }

        /** Writes until the connection breaks; paced, so that a few seconds of it stay a modest history. */
        void writeUntilBroken(WireClient client) {
            long index = 0;
            try {
                while (true) {
                    Frame[] frames = new Frame[FRAMES_PER_WRITE];
                    for (int i = 0; i < frames.length; i++) {
                        frames[i] = frame(index + i);
                    }
                    attempted = index + frames.length;
                    client.send(frames);
                    index += frames.length;
                    written = index;
                    LockSupport.parkNanos(200_000); // pacing, not waiting for anything
                }
            } catch (IOException broken) {
                // the daemon is gone
            }
        }
    }

    @Test
    void killedUnderLoadRestartsOnAConsistentPrefixReapsTheDeadAndTracksReconnectingClients() throws Exception {
        ServerConfig config = TestDaemon.config(directory, WireVersion.V3);
        Path socket = config.socket();
        Path database = config.database();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<LiveModel> quietModels = new ArrayList<>();
        long quietFrames = 0;
        List<LoadedWriter> writers = new ArrayList<>();
        long[] committedBeforeKill = new long[LOADED_DEVICES.length];
        int holderPid;
        Set<HeldRow> held;
        try (HoldClientCloser holderBox = new HoldClientCloser()) {
            try (ChildServe serve = ChildServe.start(List.of(), socket, database, "--commit-interval", "100ms",
                    "--reap-interval", "60s")) {
                assertEquals(Set.of(), TcpListeners.of(serve.pid()), "TCP sockets `tracker serve` listens on");

                // a real client process holding records, to be killed while no daemon runs
                HoldClient holder = holderBox.hold(HoldClient.start(socket, "-b", "3", "-c", "1", "-k", "1",
                        "-o", "0x50000000"));
                holderPid = holder.awaitReady(ChildServe.STARTUP);
                held = holder.expectedRows();

                // quiet clients: a script each, answered, then nothing: all of it must survive the kill
                for (int device : QUIET_DEVICES) {
                    List<Frame> script = Scripts.mixed(device, 0x4000_0000_0000L + ((long) device << 32),
                            new Random(device), 3000);
                    LiveModel model = new LiveModel();
                    model.applyAll(script);
                    quietModels.add(model);
                    quietFrames += script.size();
                    try (WireClient client = WireClient.connect(socket)) {
                        for (int from = 0; from < script.size(); from += 100) {
                            client.send(script.subList(from, Math.min(script.size(), from + 100)).toArray(Frame[]::new));
                        }
                        assertEquals(model.totals(device), LiveModel.totalsIn(client.query(device)), "device " + device);
                    }
                }
                for (int i = 0; i < QUIET_DEVICES.length; i++) {
                    int device = QUIET_DEVICES[i];
                    LiveModel model = quietModels.get(i);
                    long bytes = model.rows().stream().mapToLong(r -> r.size() * r.refCount()).sum();
                    Await.until(COMMITTED, () -> ControlSocket.sql(database, "SELECT COUNT(*), COALESCE(SUM(size * ref_count), 0)"
                                    + " FROM allocations WHERE device_id = " + device).map(rows -> rows.get(0)[0]
                                    == model.size() && rows.get(0)[1] == bytes).orElse(false),
                            "the quiet client's records on device " + device + " committed");
                }
                Await.until(COMMITTED, () -> ControlSocket.sqlLong(database, "SELECT COUNT(*) FROM allocations a"
                                + " JOIN processes p ON p.id = a.process_id WHERE p.pid = " + holderPid) == held.size(),
                        "the records of holdclient " + holderPid + " committed");

                // the command line, through the daemon's command socket, sees the commits
                String stats = runCli("stats", "--db", database.toString(), "--format", "json");
                assertTrue(stats.contains("\"running\" : true"), stats);
                assertTrue(jsonNumber(stats, "events_committed") >= quietFrames + held.size(), stats);

                // load: writers that are still writing when the daemon is killed
                List<Future<?>> running = new ArrayList<>();
                for (int device : LOADED_DEVICES) {
                    LoadedWriter writer = new LoadedWriter(device);
                    writers.add(writer);
                    WireClient client = WireClient.connect(socket);
                    running.add(pool.submit(() -> {
                        try (client) {
                            writer.writeUntilBroken(client);
                        }
                        return null;
                    }));
                }
                for (int i = 0; i < writers.size(); i++) {
                    LoadedWriter writer = writers.get(i);
                    Await.until(COMMITTED, () -> committedPrefix(database, writer) > 2000,
                            "the loaded writer on device " + writer.device + " committing");
                    committedBeforeKill[i] = committedPrefix(database, writer);
                }
                for (LoadedWriter writer : writers) {
                    long seen = writer.written;
                    Await.until(COMMITTED, () -> writer.written > seen + 1000, "writer still writing");
                }
                serve.kill9();
                for (Future<?> writer : running) {
                    writer.get(60, TimeUnit.SECONDS);
                }
                assertTrue(serve.output().lines().noneMatch(l -> l.contains("stopping")), serve.output());
            }

            // the holder dies while no daemon runs
            HoldClient.kill9(holderPid);
            assertTrue(holderBox.holder.process().waitFor(30, TimeUnit.SECONDS), "holdclient died");
        }

        try (TestDaemon restarted = TestDaemon.start(config)) {
            String output = restarted.output();
            assertTrue(output.contains("the previous daemon on this database did not stop cleanly"), output);
            Jdbi jdbi = restarted.daemon().database().jdbi();

            // everything committed before the kill is there, exactly
            for (int i = 0; i < QUIET_DEVICES.length; i++) {
                assertEquals(quietModels.get(i).rows(), rowsOn(restarted, QUIET_DEVICES[i]),
                        "records of the quiet client on device " + QUIET_DEVICES[i]);
            }
            // the loaded connections: each at a prefix of what it wrote, at least what was committed
            long[] prefixes = new long[writers.size()];
            for (int i = 0; i < writers.size(); i++) {
                LoadedWriter writer = writers.get(i);
                Set<Row> rows = rowsOn(restarted, writer.device);
                long k = writer.prefixOf(rows);
                assertTrue(k >= 0, "device " + writer.device + " holds the state of no prefix of its stream: " + rows);
                assertTrue(k >= committedBeforeKill[i] && k <= writer.attempted, "device " + writer.device
                        + " restarted at frame " + k + ", committed before the kill " + committedBeforeKill[i]
                        + ", written " + writer.attempted);
                prefixes[i] = k;
                System.out.println("device " + writer.device + ": committed before the kill " + committedBeforeKill[i]
                        + " frames, restarted at " + k + ", written " + writer.attempted);
            }
            // the counters come from the same commit as the live set
            long events = jdbi.withHandle(h -> h.createQuery("SELECT total FROM counters WHERE name = 'events'")
                    .mapTo(Long.class).one());
            assertEquals(quietFrames + held.size() + prefixes[0] + prefixes[1], events,
                    "events counter against the committed prefixes " + prefixes[0] + " and " + prefixes[1]);

            // the holder, dead while no daemon ran, is reaped at start-up with what it held
            assertEquals(List.of("DEAD_AT_STARTUP"), jdbi.withHandle(h -> h.createQuery(
                    "SELECT reason FROM reaps WHERE pid = ?").bind(0, holderPid).mapTo(String.class).list()));
            assertEquals(held, reapedRows(jdbi, holderPid));
            assertEquals(0L, (long) jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM allocations a"
                    + " JOIN processes p ON p.id = a.process_id WHERE p.pid = ?").bind(0, holderPid)
                    .mapTo(Long.class).one()));
            assertTrue(output.contains("reaped pid " + holderPid + " (dead_at_startup)"), output);

            // the loaded clients reconnect (same pid, new connection) and go on where they were
            for (int i = 0; i < writers.size(); i++) {
                LoadedWriter writer = writers.get(i);
                LiveModel model = new LiveModel();
                for (long step = Math.max(0, prefixes[i] / 2 - LoadedWriter.WINDOW); step < (prefixes[i] + 1) / 2; step++) {
                    model.apply(writer.frame(2 * step));
                }
                try (WireClient client = WireClient.connect(restarted.socket())) {
                    assertEquals(model.totals(writer.device), LiveModel.totalsIn(client.query(writer.device)),
                            "the restarted daemon answers from the reloaded records");
                    List<Frame> more = new ArrayList<>();
                    for (long index = writer.attempted; index < writer.attempted + 1000; index++) {
                        more.add(writer.frame(index));
                    }
                    client.send(more.toArray(Frame[]::new));
                    model.applyAll(more);
                    assertEquals(model.totals(writer.device), LiveModel.totalsIn(client.query(writer.device)),
                            "device " + writer.device + " after the reconnect");
                }
                restarted.flush();
                assertEquals(model.rows(), rowsOn(restarted, writer.device), "device " + writer.device + " committed");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The number of frames of the writer's stream the daemon has committed, read through its command socket. */
    private static long committedPrefix(Path database, LoadedWriter writer) {
        return ControlSocket.sql(database, "SELECT COALESCE(MAX(buffer_id), -1) FROM allocations WHERE device_id = "
                        + writer.device)
                .map(rows -> rows.get(0)[0] < 0 ? 0 : 2 * ((rows.get(0)[0] - writer.base) / 0x100) + 1)
                .orElse(0L);
    }

    private static Set<Row> rowsOn(TestDaemon daemon, int device) {
        return LiveRows.all(daemon).stream().filter(r -> r.deviceId() == device).collect(Collectors.toSet());
    }

    private static Set<HeldRow> reapedRows(Jdbi jdbi, int pid) {
        return new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT ra.kind, ra.device_id, ra.buffer_id, ra.type,"
                        + " ra.size, ra.ref_count FROM reaped_allocations ra JOIN reaps r ON r.id = ra.reap_id"
                        + " WHERE r.pid = ?").bind(0, pid)
                .map((rs, ctx) -> new HeldRow(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4),
                        rs.getLong(5), rs.getInt(6)))
                .list()));
    }

    /** Runs {@code tracker ARGS} as a user would, in a JVM of its own; returns its standard output. */
    private static String runCli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ChildServe.java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", ChildServe.classpath(), "tracker.cli.Main"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the CLI finished");
        assertEquals(0, process.exitValue(), "tracker " + String.join(" ", args) + " exit code; output:\n" + out);
        return out;
    }

    private static long jsonNumber(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
        assertTrue(matcher.find(), field + " in " + json);
        return Long.parseLong(matcher.group(1));
    }

    /** Ends the holdclient however the test ends. */
    private static final class HoldClientCloser implements AutoCloseable {
        HoldClient holder;

        HoldClient hold(HoldClient client) {
            holder = client;
            return client;
        }

        @Override
        public void close() {
            if (holder != null) {
                holder.close();
            }
        }
    }
}
