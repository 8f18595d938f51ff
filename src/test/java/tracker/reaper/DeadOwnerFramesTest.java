package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tracker.cli.TrackerCommand;
import tracker.proc.ProcFs;
import tracker.store.ReapRecord;
import tracker.testing.Await;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.MessageType;

/**
 * No record outlives its owner: frames that arrive for a process after it was reaped are
 * counted and dropped, across a clean stop and start too; and what the daemon read of a
 * client when it connected stays its identity, even when the client is gone before its first
 * frame is read.
 */
// the client's steps go through FIFOs, whose open() blocks in native code: only a separate
// thread lets the timeout end a test whose client died without its answer
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadOwnerFramesTest {

    static final String DEAD_FRAMES = "frames_for_dead_processes";

    @TempDir
    Path directory;

    @Test
    void aFrameForAReapedChildIsCountedAndDroppedAndNoRecordOutlivesItAcrossARestart() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        int pid = (int) sleeper.pid();
        try {
            try (TestDaemon daemon = TestDaemon.start(directory);
                 WireClient connection = WireClient.connect(daemon.socket())) {
                Jdbi jdbi = daemon.daemon().database().jdbi();
                // the connection reports for a child of the test's (same user: believed)
                connection.send(WireClient.frame(MessageType.ALLOC, 0, 4096, 0, pid, 0xa000));
                assertEquals(4096, dram(connection));
                daemon.flush();

                sleeper.destroyForcibly();
                assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
                List<ReapRecord> pass = daemon.daemon().reaper().reapNow();
                assertEquals(List.of(pid), pass.stream().map(r -> r.process().pid()).toList());

                // a frame for the reaped child on the connection that reported it
                connection.send(WireClient.frame(MessageType.ALLOC, 0, 8192, 0, pid, 0xb000));
                assertEquals(0, dram(connection), "QUERY counts a frame of a reaped process");
                daemon.flush();
                assertEquals(1, counter(jdbi, DEAD_FRAMES));
                assertEquals(java.util.Set.of(), ReapDb.liveRows(jdbi, pid), "a reaped process was given a record");
                assertEquals(1, ReapDb.reaps(jdbi, pid).size());
            }

            // a clean stop and start: what the database holds must be what QUERY counts
            try (TestDaemon daemon = TestDaemon.start(directory);
                 WireClient observer = WireClient.connect(daemon.socket())) {
                assertEquals(0, dram(observer));
                assertEquals(List.of(), LiveRows.all(daemon), "a record outlived its owner");
                assertEquals(List.of(), daemon.daemon().reaper().reapNow());
                assertEquals(1, counter(daemon.daemon().database().jdbi(), DEAD_FRAMES));
            }
            String database = directory.resolve("db").resolve("tracker").toString();
            tracker("check", "--db", database); // the counters still account for every event
            String stats = tracker("stats", "--db", database);
            assertTrue(stats.lines().anyMatch(line -> line.contains(DEAD_FRAMES) && line.trim().endsWith("1")), stats);
            assertTrue(stats.contains("No live allocations."), stats);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void theCommandReadAtConnectIsKeptForAClientGoneBeforeItsFirstFrameIsRead() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             ForkingClient client = ForkingClient.connect(daemon.socket(), "", ForkingClient.allocs(2, 0x4000),
                     directory.resolve("fifos"))) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.parentPid();
            Await.until(Duration.ofSeconds(10), () -> daemon.output().contains("client connected: pid " + pid + " "),
                    () -> "the daemon accepted pid " + pid + ":\n" + daemon.output());
            long startTicks = new ProcFs().stat(pid).orElseThrow().startTicks();

            // the client exits (and is waited for) before any frame names it; a child sends them
            client.sendAndLeave();
            assertTrue(ProcessHandle.of(pid).isEmpty(), "the client is gone");
            client.childSends();
            Await.until(Duration.ofSeconds(10), () -> ReapDb.liveRows(jdbi, pid).size() == 2 || flushed(daemon),
                    "its two allocations committed");
            client.childCloses();
            Await.until(Duration.ofSeconds(10), () -> !ReapDb.reaps(jdbi, pid).isEmpty(),
                    () -> "pid " + pid + " reaped:\n" + daemon.output());

            ReapDb.ReapRow reap = ReapDb.reaps(jdbi, pid).get(0);
            assertEquals(2, reap.buffers());
            assertTrue(reap.command().contains("python3"), "audit command: '" + reap.command() + "'");
            assertEquals(startTicks, reap.startTicks(), "the start time read at connect");
            assertTrue(ReapDb.process(jdbi, pid).command().contains("python3"), ReapDb.process(jdbi, pid).toString());
        }
    }

    /** Flushes and answers false: an {@link Await} condition that commits what was read, then looks again. */
    private static boolean flushed(TestDaemon daemon) {
        try {
            daemon.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    static long dram(WireClient client) {
        try {
            return LiveModel.totalsIn(client.query(0)).dram();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long counter(Jdbi jdbi, String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT total FROM counters WHERE name = ?").bind(0, name)
                .mapTo(Long.class).findOne().orElse(0L));
    }

    private static String tracker(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = TrackerCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(out));
        assertEquals(0, commandLine.execute(args), out::toString);
        return out.toString();
    }
}
