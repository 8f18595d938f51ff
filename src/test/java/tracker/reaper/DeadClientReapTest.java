package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.reaper.ReapExpectations.assertCompleteAudit;
import static tracker.reaper.ReapExpectations.printedReap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.proc.ProcFs;
import tracker.proc.ProcStat;
import tracker.store.ReapRecord;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;

/**
 * Real client processes die holding records; the event-driven reaps (disconnect, dump) must
 * remove them at once, with a complete audit, and must leave live processes alone. The
 * daemon's periodic pass runs every 60 s here, so it never does the work.
 */
class DeadClientReapTest {

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    /** For reaps whose point is the reason, not the latency: still far before a periodic pass. */
    private static final Duration SOON = Duration.ofSeconds(3);
    private static final Duration STARTUP = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final ProcFs procFs = new ProcFs();

    @Test
    void reapsKilledProcessWithinOneSecond() throws Exception {
        // -m wait: the client's parent keeps the connection open until it has reaped the
        // client, so the daemon finds it gone (EXITED, never a zombie) when the connection closes
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "6", "-c", "2", "-k", "3", "-r", "-m", "wait");
             WireClient observer = WireClient.connect(daemon.socket())) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            Set<HeldRow> held = client.expectedRows();
            assertEquals(11, held.size(), "six buffers (one allocated twice), two CBs, three kernels");
            awaitLive(jdbi, pid, held);
            for (int device = 0; device <= 1; device++) {
                assertEquals(expectedTotals(held, device), totals(observer, device), "QUERY totals of device " + device);
            }
            long startTicks = procFs.stat(pid).orElseThrow().startTicks();
            Instant killed = Instant.now();

            HoldClient.kill9(pid);

            Poll.until(ONE_SECOND, () -> {
                ReapDb.Snapshot state = ReapDb.snapshot(jdbi, pid);
                // the reap is one transaction: any state seen is all-live or all-reaped
                assertTrue(state.equals(new ReapDb.Snapshot(held.size(), 0, 0)) || state.reaped(),
                        "half a reap seen: " + state);
                return state.reaped() && printedReap(daemon.output(), pid, held);
            }, () -> "pid " + pid + " reaped and reported; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());

            assertFalse(Files.exists(Path.of("/proc/" + pid)), "the client was waited for, so it is gone");
            ReapDb.ReapRow reap = assertCompleteAudit(jdbi, pid, held, "EXITED");
            assertEquals(pid, reap.pid());
            assertEquals(pid, reap.reportedPid());
            assertEquals(startTicks, reap.startTicks());
            assertEquals(0, reap.uid());
            assertTrue(reap.command().contains("holdclient"), reap.command());
            assertFalse(reap.reapedAt().toInstant().isBefore(killed.minusMillis(5)), "reaped after the kill: " + reap);
            assertTrue(daemon.output().lines().anyMatch(ReapExpectations.DETECTED::equals), daemon.output());
            for (int device = 0; device <= 1; device++) {
                assertEquals(List.of(0L, 0L, 0L, 0L, 0L), totals(observer, device),
                        "QUERY totals of device " + device + " after the reap");
            }
        }
    }

    @Test
    void reapsProcessKilledWhileItOwnsItsConnectionWithinOneSecond() throws Exception {
        // the common case: the dying process closes the connection itself, while it is still
        // exiting; the rechecks after the disconnect must catch it (as exited, or as the
        // zombie it is until this JVM waits for it)
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "5", "-k", "1")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            assertEquals(client.process().pid(), pid);
            Set<HeldRow> held = client.expectedRows();
            awaitLive(jdbi, pid, held);

            HoldClient.kill9(pid);

            Poll.until(ONE_SECOND, () -> ReapDb.snapshot(jdbi, pid).reaped() && printedReap(daemon.output(), pid, held),
                    () -> "pid " + pid + " reaped; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());
            String reason = ReapDb.reap(jdbi, pid).orElseThrow().reason();
            assertTrue(reason.equals("EXITED") || reason.equals("ZOMBIE"), reason);
            assertCompleteAudit(jdbi, pid, held, reason);
        }
    }

    @Test
    void reapsZombieThatItsParentNeverWaitedFor() throws Exception {
        // -m nowait: the client's parent does not reap it until the test ends
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "4", "-c", "1", "-m", "nowait")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            Set<HeldRow> held = client.expectedRows();
            awaitLive(jdbi, pid, held);

            HoldClient.kill9(pid);

            Poll.until(SOON, () -> ReapDb.snapshot(jdbi, pid).reaped() && printedReap(daemon.output(), pid, held),
                    () -> "zombie " + pid + " reaped; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());
            ProcStat stat = procFs.stat(pid).orElseThrow(() -> new AssertionError("the zombie was waited for"));
            assertEquals('Z', stat.state(), "pid " + pid + " is a zombie");
            assertCompleteAudit(jdbi, pid, held, "ZOMBIE");
        }
    }

    @Test
    void keepsProcessThatClosedItsConnectionButLives() throws Exception {
        // -x: the client closes its connection after reporting and goes on living
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "3", "-k", "2", "-x")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            Set<HeldRow> held = client.expectedRows();
            awaitLive(jdbi, pid, held);
            Poll.until(STARTUP, () -> daemon.output().contains("client disconnected: pid " + pid + ","),
                    () -> "disconnect of " + pid + " seen:\n" + daemon.output());

            // the rechecks after the disconnect run at 0, 20, 50, 100, 200 ms: none may reap it
            Poll.holdsFor(Duration.ofMillis(500), () -> ReapDb.liveRows(jdbi, pid).equals(held)
                            && ReapDb.reaps(jdbi, pid).isEmpty(),
                    () -> "live process " + pid + " kept; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());
            List<ReapRecord> pass = daemon.daemon().reaper().reapNow();
            assertTrue(pass.stream().noneMatch(r -> r.process().pid() == pid), "a full pass reaped a live process: " + pass);
            assertEquals(held, ReapDb.liveRows(jdbi, pid));
            assertEquals(null, ReapDb.process(jdbi, pid).endedAt());

            // and it is reaped once it really dies
            client.process().destroyForcibly();
            assertTrue(client.process().waitFor(5, TimeUnit.SECONDS));
            daemon.daemon().reaper().reapNow();
            Poll.until(SOON, () -> ReapDb.snapshot(jdbi, pid).reaped(),
                    () -> "pid " + pid + " reaped after it died; db " + ReapDb.snapshot(jdbi, pid));
            assertCompleteAudit(jdbi, pid, held, "EXITED");
        }
    }

    @Test
    void endsProcessThatFreedEverythingWithoutAnAuditRecord() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "3", "-c", "1", "-k", "1", "-r", "-f", "-m", "wait")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            assertEquals(Set.of(), client.expectedRows());
            // its allocations and frees may land in different commits: wait for the state after both
            Poll.until(STARTUP, () -> !ReapDb.processes(jdbi, pid).isEmpty() && ReapDb.liveRows(jdbi, pid).isEmpty(),
                    () -> "process " + pid + " recorded holding nothing; live: " + ReapDb.liveRows(jdbi, pid));

            HoldClient.kill9(pid);

            Poll.until(SOON, () -> ReapDb.process(jdbi, pid).endedAt() != null,
                    () -> "pid " + pid + " ended; " + ReapDb.processes(jdbi, pid) + ", output:\n" + daemon.output());
            ReapDb.ProcessState process = ReapDb.process(jdbi, pid);
            assertEquals("EXITED", process.endReason());
            assertFalse(process.endedAt().isBefore(process.lastSeen()), process.toString());
            assertEquals(List.of(), ReapDb.reaps(jdbi, pid), "nothing held, nothing to audit");
            assertEquals(0, ReapDb.count(jdbi, "reaped_allocations"));
            assertFalse(daemon.output().contains("PID " + pid + " is dead"), daemon.output());
        }
    }

    @Test
    void keepsLiveProcessWhoseMainThreadExited() throws Exception {
        // -T: the main thread calls pthread_exit, a second thread keeps the process (and its
        // connection) alive; /proc/PID/stat shows the thread-group leader as a zombie
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "3", "-T")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.awaitReady(STARTUP);
            Set<HeldRow> held = client.expectedRows();
            awaitLive(jdbi, pid, held);
            Poll.until(STARTUP, () -> procFs.stat(pid).map(s -> s.state() == 'Z').orElse(false),
                    () -> "main thread of " + pid + " exited");
            assertTrue(client.process().isAlive());
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).contains("\nThreads:\t2\n"),
                    "the process still runs a thread");

            List<ReapRecord> pass = daemon.daemon().reaper().reapNow();

            assertEquals(List.of(), pass, "a live process was reaped");
            assertEquals(held, ReapDb.liveRows(jdbi, pid));
            assertEquals(null, ReapDb.process(jdbi, pid).endedAt());
        }
    }

    @Test
    void reapsDeadProcessesBeforeDumpingRemainingBuffers() throws Exception {
        // a process that reports through another's connection (a forked child does) dies:
        // no connection closes, so only the reap before DUMP_REMAINING can catch it
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient connection = WireClient.connect(daemon.socket())) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = (int) sleeper.pid();
            connection.send(
                    WireClient.frame(MessageType.ALLOC, 0, 3 << 20, 0, pid, 0xd000),
                    WireClient.frame(MessageType.ALLOC, 1, 8192, 1, pid, 0xd100),
                    WireClient.frame(MessageType.CB_ALLOC, 0, 4096, 0, pid, 0xd200),
                    WireClient.alloc(0, 0xe000, 1 << 20, 0));
            Set<HeldRow> held = Set.of(new HeldRow("BUFFER", 0, 0xd000, "DRAM", 3 << 20, 1),
                    new HeldRow("BUFFER", 1, 0xd100, "L1", 8192, 1), new HeldRow("CB", 0, 0xd200, "L1", 4096, 1));
            awaitLive(jdbi, pid, held);

            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
            assertEquals(held, ReapDb.liveRows(jdbi, pid), "nothing reaps the dead process before the dump");

            connection.send(new Frame(MessageType.DUMP_REMAINING.code(), 0, 0, 0, WireClient.SELF_PID, 0, 0));

            String header = "REMAINING ALLOCATED BUFFERS";
            Poll.until(Duration.ofSeconds(2), () -> daemon.output().contains(header),
                    () -> "dump printed:\n" + daemon.output());
            String output = daemon.output();
            assertTrue(printedReap(output, pid, held), output);
            assertTrue(output.indexOf("   PID " + pid + " is dead") < output.indexOf(header),
                    "the reap comes before the dump:\n" + output);
            String dump = output.substring(output.indexOf(header));
            assertTrue(dump.contains("Total tracked allocations: 1\n"), dump);
            assertFalse(dump.contains("(PID " + pid + ","), "the dump lists a dead process's buffers:\n" + dump);
            assertTrue(dump.contains("(PID " + WireClient.SELF_PID + ", ref_count=1)"), dump);
            assertCompleteAudit(jdbi, pid, held, "EXITED");
            assertEquals(1, ReapDb.liveRows(jdbi, WireClient.SELF_PID).size(), "the live reporter keeps its buffer");
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** DRAM, L1, L1_SMALL, CB and kernel bytes of a v3 RESPONSE. */
    private static List<Long> totals(WireClient client, int device) throws Exception {
        byte[] reply = client.query(device);
        return List.of(FrameCodec.getLong(reply, FrameCodec.OFF_DRAM), FrameCodec.getLong(reply, FrameCodec.OFF_L1),
                FrameCodec.getLong(reply, FrameCodec.OFF_L1_SMALL), FrameCodec.getLong(reply, 72),
                FrameCodec.getLong(reply, 80));
    }

    private static List<Long> expectedTotals(Set<HeldRow> held, int device) {
        return List.of(bytes(held, device, "BUFFER", "DRAM"), bytes(held, device, "BUFFER", "L1"),
                bytes(held, device, "BUFFER", "L1_SMALL"), bytes(held, device, "CB", null),
                bytes(held, device, "KERNEL", null));
    }

    private static long bytes(Set<HeldRow> held, int device, String kind, String type) {
        return held.stream()
                .filter(r -> r.deviceId() == device && r.kind().equals(kind) && (type == null || r.type().equals(type)))
                .mapToLong(HeldRow::size).sum();
    }

    private static void awaitLive(Jdbi jdbi, int pid, Set<HeldRow> held) {
        Poll.until(STARTUP, () -> ReapDb.liveRows(jdbi, pid).equals(held),
                () -> "live rows of " + pid + " committed: expected " + held + ", found " + ReapDb.liveRows(jdbi, pid));
    }
}
