package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.reaper.ReapExpectations.assertCompleteAudit;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tracker.cli.TrackerCommand;
import tracker.proc.ProcFs;
import tracker.server.ServerConfig;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.WireVersion;

/**
 * Who owns a record, when processes of two users report on one socket: a record belongs to
 * the process that allocated it, and a frame's process_id is believed only for a process of
 * the connection's own user.
 */
class IngestOwnershipTest {

    private static final int NOBODY = 65534;
    private static final List<String> AS_NOBODY =
            List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
    private static final Duration STARTUP = Duration.ofSeconds(10);
    /** Far before the daemon's periodic pass (60 s here): only the disconnect can have reaped. */
    private static final Duration SOON = Duration.ofSeconds(3);
    /** No process has this pid: it is above every pid_max Linux allows (2^22). */
    private static final int NEVER_A_PID = 99_999_999;

    @TempDir
    Path directory;

    /**
     * Root process A (this JVM) holds 0x1000; nobody's process B allocates 0x1000 too. A's
     * record stays A's with ref_count 1, B gets its own, B's death reaps only B's, and A's FREE
     * removes A's.
     */
    @Test
    void anotherProcessesAllocOfAHeldBufferIsItsOwnRecord() throws Exception {
        assumeRootWith("setpriv");
        try (TestDaemon daemon = TestDaemon.start(openSocket());
             WireClient a = WireClient.connect(daemon.socket())) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            a.send(WireClient.alloc(0, 0x1000, 4096, 0));
            assertEquals(4096, LiveModel.totalsIn(a.query(0)).dram());
            Set<HeldRow> aHeld = Set.of(new HeldRow("BUFFER", 0, 0x1000, "DRAM", 4096, 1));

            int bPid;
            Set<HeldRow> bHeld;
            try (HoldClient b = HoldClient.start(AS_NOBODY, daemon.socket(), "-b", "1", "-o", "0x1000")) {
                bPid = b.awaitReady(STARTUP);
                bHeld = b.expectedRows();
                assertEquals(Set.of(new HeldRow("BUFFER", 0, 0x1000, "DRAM", 1 << 20, 1)), bHeld);
                awaitLive(jdbi, bPid, bHeld);
                assertEquals(aHeld, ReapDb.liveRows(jdbi, WireClient.SELF_PID), "A's record untouched");
                assertEquals(4096 + (1 << 20), LiveModel.totalsIn(a.query(0)).dram(), "QUERY sums both records");
                daemon.flush();
                assertEquals(1, LiveRows.counter(daemon, "ownership_conflicts"));
                assertEquals(1, occurrences(daemon.output(), "pid " + bPid + " (uid " + NOBODY
                        + ") allocated BUFFER 0x1000 on device 0, which pid " + WireClient.SELF_PID), daemon.output());

                HoldClient.kill9(bPid);
                Poll.until(SOON, () -> ReapDb.snapshot(jdbi, bPid).reaped(),
                        () -> "pid " + bPid + " reaped; db " + ReapDb.snapshot(jdbi, bPid) + ", output:\n"
                                + daemon.output());
            }
            assertCompleteAudit(jdbi, bPid, bHeld, deathReason(jdbi, bPid));
            assertEquals(aHeld, ReapDb.liveRows(jdbi, WireClient.SELF_PID), "B's reap left A's record");
            assertEquals(List.of(), ReapDb.reaps(jdbi, WireClient.SELF_PID));
            assertEquals(4096, LiveModel.totalsIn(a.query(0)).dram());

            a.send(WireClient.free(0, 0x1000));
            assertEquals(0, LiveModel.totalsIn(a.query(0)).dram(), "A's FREE removed its record");
            daemon.flush();
            assertEquals(Set.of(), ReapDb.liveRows(jdbi, WireClient.SELF_PID));
            assertEquals(0, LiveRows.counter(daemon, "refused_frees") + LiveRows.counter(daemon, "unknown_frees"));
        }
    }

    /**
     * Frames naming a pid that never existed, or a live process of another user (this JVM's,
     * root's), are not believed: the records are the connection's peer's, reaped when it dies,
     * and {@code leaks --live} passes once they are gone.
     */
    @Test
    void framesNamingAPidNotOfThePeersUserAreThePeersOwn() throws Exception {
        assumeRootWith("setpriv");
        Path database;
        try (TestDaemon daemon = TestDaemon.start(openSocket());
             HoldClient ghost = HoldClient.start(AS_NOBODY, daemon.socket(), "-b", "2", "-k", "1", "-p",
                     Integer.toString(NEVER_A_PID));
             HoldClient impostor = HoldClient.start(AS_NOBODY, daemon.socket(), "-b", "2", "-o", "0x30000000",
                     "-p", Integer.toString(WireClient.SELF_PID))) {
            database = daemon.database();
            Jdbi jdbi = daemon.daemon().database().jdbi();
            assertEquals(NEVER_A_PID, ghost.awaitReady(STARTUP));
            assertEquals(WireClient.SELF_PID, impostor.awaitReady(STARTUP));
            int ghostPeer = (int) ghost.process().pid();
            int impostorPeer = (int) impostor.process().pid();
            Set<HeldRow> ghostHeld = ghost.expectedRows();
            Set<HeldRow> impostorHeld = impostor.expectedRows();
            awaitLive(jdbi, ghostPeer, ghostHeld);
            awaitLive(jdbi, impostorPeer, impostorHeld);
            assertEquals(List.of(), ReapDb.processes(jdbi, NEVER_A_PID), "no process recorded under a made-up pid");
            assertEquals(Set.of(), ReapDb.liveRows(jdbi, WireClient.SELF_PID), "nothing recorded as root's process");
            assertEquals(0, ReapDb.count(jdbi, "processes WHERE pid IS NULL"), "nothing unresolved");
            daemon.flush();
            assertEquals(ghostHeld.size() + impostorHeld.size(), LiveRows.counter(daemon, "pid_mismatches"),
                    "every frame not believed is counted");
            assertEquals(1, occurrences(daemon.output(), "reports for pid " + NEVER_A_PID), daemon.output());
            assertEquals(1, occurrences(daemon.output(), "reports for pid " + WireClient.SELF_PID + ","),
                    daemon.output());

            HoldClient.kill9(ghostPeer);
            HoldClient.kill9(impostorPeer);
            Poll.until(SOON, () -> ReapDb.snapshot(jdbi, ghostPeer).reaped()
                            && ReapDb.snapshot(jdbi, impostorPeer).reaped(),
                    () -> "both peers reaped: " + ReapDb.snapshot(jdbi, ghostPeer) + " "
                            + ReapDb.snapshot(jdbi, impostorPeer) + ", output:\n" + daemon.output());
            assertCompleteAudit(jdbi, ghostPeer, ghostHeld, deathReason(jdbi, ghostPeer));
            assertCompleteAudit(jdbi, impostorPeer, impostorHeld, deathReason(jdbi, impostorPeer));
            assertEquals(0, ReapDb.count(jdbi, "allocations"));
        }
        // the CI gate after the reaps: nothing live, so nothing fails it
        StringWriter out = new StringWriter();
        CommandLine leaks = TrackerCommand.commandLine();
        leaks.setOut(new PrintWriter(out));
        assertEquals(0, leaks.execute("leaks", "--live", "--since", "0s", "--db", database.toString()), out.toString());
    }

    /**
     * A connection that names thousands of pids, none of them its user's, is one process: the
     * peer. Past {@code ClientConnection.MAX_CLAIMED_PIDS} distinct pids it is not even looked up.
     */
    @Test
    void aConnectionNamingThousandsOfPidsIsItsPeer() throws Exception {
        int frames = 4_100;
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            for (int i = 0; i < frames; i += 600) {
                java.util.List<tracker.wire.Frame> batch = new java.util.ArrayList<>();
                for (int j = i; j < Math.min(frames, i + 600); j++) {
                    batch.add(WireClient.frame(tracker.wire.MessageType.ALLOC, 0, 64, 0, NEVER_A_PID + j, 0x1000L * j));
                }
                client.send(batch.toArray(tracker.wire.Frame[]::new));
            }
            assertEquals(64L * frames, LiveModel.totalsIn(client.query(0)).dram());
            daemon.flush();
            Jdbi jdbi = daemon.daemon().database().jdbi();
            assertEquals(frames, ReapDb.liveRows(jdbi, WireClient.SELF_PID).size(), "every record is the peer's");
            assertEquals(1, ReapDb.count(jdbi, "processes"));
            assertEquals(frames, LiveRows.counter(daemon, "pid_mismatches"));
            assertEquals(1, occurrences(daemon.output(), "its records are pid " + WireClient.SELF_PID + "'s own"),
                    daemon.output());
        }
    }

    /** Both holders of one address are stored, and a restarted daemon gives each its own record back. */
    @Test
    void aRestartRestoresTheSameKeyToBothOwners() throws Exception {
        assumeRootWith("setpriv");
        ServerConfig config = openSocket();
        Set<HeldRow> aHeld = Set.of(new HeldRow("BUFFER", 0, 0x1000, "DRAM", 4096, 1));
        try (HoldClient b = startHolderAfterAlloc(config)) {
            int bPid = (int) b.process().pid();
            Set<HeldRow> bHeld = b.expectedRows();
            try (TestDaemon daemon = TestDaemon.start(config);
                 WireClient a = WireClient.connect(daemon.socket())) {
                Jdbi jdbi = daemon.daemon().database().jdbi();
                assertEquals(aHeld, ReapDb.liveRows(jdbi, WireClient.SELF_PID), "A's record restored");
                assertEquals(bHeld, ReapDb.liveRows(jdbi, bPid), "B's record restored");
                assertEquals(4096 + (1 << 20), LiveModel.totalsIn(a.query(0)).dram());

                HoldClient.kill9(bPid);
                Poll.until(SOON, () -> !daemon.daemon().reaper().reapNow().isEmpty() || ReapDb.snapshot(jdbi, bPid).reaped(),
                        () -> "pid " + bPid + " reaped after the restart: " + ReapDb.snapshot(jdbi, bPid));
                daemon.flush();
                assertCompleteAudit(jdbi, bPid, bHeld, deathReason(jdbi, bPid));
                assertEquals(aHeld, ReapDb.liveRows(jdbi, WireClient.SELF_PID));

                a.send(WireClient.free(0, 0x1000));
                assertEquals(0, LiveModel.totalsIn(a.query(0)).dram(), "A's FREE after the restart removed its record");
                daemon.flush();
                assertEquals(0, ReapDb.count(jdbi, "allocations"));
            }
        }
    }

    /** A allocates 0x1000, B (nobody) too, both are committed, the daemon stops; B still runs. */
    private HoldClient startHolderAfterAlloc(ServerConfig config) throws Exception {
        try (TestDaemon daemon = TestDaemon.start(config);
             WireClient a = WireClient.connect(daemon.socket())) {
            a.send(WireClient.alloc(0, 0x1000, 4096, 0));
            a.query(0);
            HoldClient b = HoldClient.start(AS_NOBODY, daemon.socket(), "-b", "1", "-o", "0x1000");
            try {
                int bPid = b.awaitReady(STARTUP);
                awaitLive(daemon.daemon().database().jdbi(), bPid, b.expectedRows());
                daemon.flush();
                return b;
            } catch (RuntimeException | Error e) {
                b.close();
                throw e;
            }
        }
    }

    private ServerConfig openSocket() throws Exception {
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        ServerConfig c = TestDaemon.config(directory, WireVersion.V3);
        return new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                PosixFilePermissions.fromString("rw-rw-rw-"), c.socketGroup(), c.deviceInfo(), c.retentionMs(),
                c.pruneIntervalMs(), c.verbose());
    }

    static void assumeRootWith(String tool) {
        Assumptions.assumeTrue(new ProcFs().uid(ProcFs.selfPid()) == 0, "needs root to run a client as another user");
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(dir, tool));
        }
        Assumptions.assumeTrue(found, tool + " is not installed");
    }

    /**
     * Why a client killed with -9 was reaped: EXITED, or ZOMBIE when the reaper looked before
     * this JVM, its parent, had waited for it.
     */
    private static String deathReason(Jdbi jdbi, int pid) {
        String reason = ReapDb.reap(jdbi, pid).orElseThrow(() -> new AssertionError("no reap of pid " + pid)).reason();
        assertTrue(Set.of("EXITED", "ZOMBIE").contains(reason), "reason " + reason);
        return reason;
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static void awaitLive(Jdbi jdbi, int pid, Set<HeldRow> held) {
        Poll.until(STARTUP, () -> ReapDb.liveRows(jdbi, pid).equals(held),
                () -> "live rows of " + pid + " committed: expected " + held + ", found " + ReapDb.liveRows(jdbi, pid));
    }
}
