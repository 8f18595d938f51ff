package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.reaper.ReapExpectations.assertCompleteAudit;
import static tracker.reaper.ReapExpectations.printedReap;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tracker.proc.ProcFs;
import tracker.server.ServerConfig;
import tracker.store.Database;
import tracker.store.ReapRecord;
import tracker.testing.ChildProcess;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.WireVersion;

/**
 * Whose process is it, and is it alive? Another user's live process and a process in
 * another PID namespace must be kept while they live and reaped once they die.
 */
class OwnershipReapTest {

    private static final int NOBODY = 65534;
    /** Far before the daemon's periodic pass (60 s here): only the disconnect can have reaped. */
    private static final Duration SOON = Duration.ofSeconds(3);
    private static final Duration STARTUP = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final ProcFs procFs = new ProcFs();

    @Test
    void keepsAnotherUsersLiveProcessAndReapsItOnceDead() throws Exception {
        assumeRootWith("setpriv");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> asNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        try (TestDaemon daemon = TestDaemon.start(openSocket(TestDaemon.config(directory, WireVersion.V3)));
             HoldClient holder = HoldClient.start(asNobody, daemon.socket(), "-b", "4", "-k", "1", "-m", "wait");
             HoldClient leaver = HoldClient.start(asNobody, daemon.socket(), "-b", "2", "-o", "0x30000000", "-x")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = holder.awaitReady(STARTUP);
            int leaverPid = leaver.awaitReady(STARTUP);
            Set<HeldRow> held = holder.expectedRows();
            Set<HeldRow> leaverHeld = leaver.expectedRows();
            awaitLive(jdbi, pid, held);
            awaitLive(jdbi, leaverPid, leaverHeld);
            assertEquals(NOBODY, procFs.uid(pid), "the client runs as nobody");
            assertEquals(NOBODY, ReapDb.process(jdbi, pid).uid());
            assertEquals(NOBODY, ReapDb.process(jdbi, leaverPid).uid());

            // a full pass, and a disconnect of this JVM's own connection, reap nothing of theirs
            List<ReapRecord> pass = daemon.daemon().reaper().reapNow();
            assertTrue(pass.isEmpty(), "a pass reaped live processes: " + pass);
            try (WireClient own = WireClient.connect(daemon.socket())) {
                own.send(WireClient.alloc(0, 0x9000, 4096, 0));
            }
            Poll.until(STARTUP, () -> daemon.output().contains("client disconnected: pid " + WireClient.SELF_PID + ","),
                    () -> "own disconnect seen:\n" + daemon.output());
            Poll.until(STARTUP, () -> daemon.output().contains("client disconnected: pid " + leaverPid + ","),
                    () -> "nobody's client disconnect seen:\n" + daemon.output());
            // the rechecks after both disconnects (0, 20, 50, 100, 200 ms) keep everything
            Poll.holdsFor(Duration.ofMillis(500), () -> ReapDb.liveRows(jdbi, pid).equals(held)
                            && ReapDb.liveRows(jdbi, leaverPid).equals(leaverHeld)
                            && ReapDb.count(jdbi, "reaps") == 0,
                    () -> "another user's live processes kept; reaps " + ReapDb.count(jdbi, "reaps") + ", output:\n"
                            + daemon.output());
            assertNull(ReapDb.process(jdbi, pid).endedAt());

            HoldClient.kill9(pid);

            Poll.until(SOON, () -> ReapDb.snapshot(jdbi, pid).reaped() && printedReap(daemon.output(), pid, held),
                    () -> "pid " + pid + " reaped; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());
            ReapDb.ReapRow reap = assertCompleteAudit(jdbi, pid, held, "EXITED");
            assertEquals(NOBODY, reap.uid());
            assertEquals(leaverHeld, ReapDb.liveRows(jdbi, leaverPid), "the other live process is untouched");
        }
    }

    /**
     * @param mode "wait": the client connects itself, so the daemon's peer is the client;
     *             "share": its parent (the namespace's init) connects and the client reports
     *             through the inherited connection, as a forked child does
     */
    @ParameterizedTest(name = "client connected by {0}")
    @ValueSource(strings = {"wait", "share"})
    void mapsProcessInAnotherPidNamespaceToItsHostPidAndReapsItOnlyOnceDead(String mode) throws Exception {
        assumeRootWith("unshare");
        assumeUnshareWorks();
        List<String> inNamespace = List.of("unshare", "--pid", "--fork", "--mount-proc");
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(inNamespace, daemon.socket(), "-b", "3", "-c", "1", "-m", mode)) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int reportedPid = client.awaitReady(STARTUP);
            int hostPid = client.process().descendants()
                    .mapToInt(handle -> (int) handle.pid())
                    .filter(pid -> {
                        List<Integer> ns = procFs.namespacePids(pid);
                        return ns.size() == 2 && ns.get(1) == reportedPid;
                    })
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no process in the namespace has pid " + reportedPid));
            assertTrue(reportedPid <= 2, "the client is one of the first pids of its namespace: " + reportedPid);
            assertNotEquals(reportedPid, hostPid);
            assertEquals(List.of(hostPid, reportedPid), procFs.namespacePids(hostPid));
            Set<HeldRow> held = client.expectedRows();
            awaitLive(jdbi, hostPid, held);

            ReapDb.ProcessState process = ReapDb.process(jdbi, hostPid);
            assertEquals(reportedPid, process.reportedPid());
            assertEquals(procFs.stat(hostPid).orElseThrow().startTicks(), process.startTicks());
            assertTrue(ReapDb.processes(jdbi, reportedPid).isEmpty(), "nothing recorded under the namespace's own pid");
            if (mode.equals("share")) {
                assertTrue(daemon.output().contains("also reports for pid " + reportedPid + " = pid " + hostPid + " here"),
                        daemon.output());
            }
            List<ReapRecord> pass = daemon.daemon().reaper().reapNow();
            assertTrue(pass.isEmpty(), "a pass reaped a live process in a container: " + pass);
            assertEquals(held, ReapDb.liveRows(jdbi, hostPid));

            HoldClient.kill9(hostPid);

            Poll.until(SOON, () -> ReapDb.snapshot(jdbi, hostPid).reaped()
                            && printedReap(daemon.output(), hostPid, held),
                    () -> "pid " + hostPid + " reaped; db " + ReapDb.snapshot(jdbi, hostPid) + ", output:\n"
                            + daemon.output());
            ReapDb.ReapRow reap = assertCompleteAudit(jdbi, hostPid, held, "EXITED");
            assertEquals(hostPid, reap.pid());
            assertEquals(reportedPid, reap.reportedPid());
        }
    }

    /** {@code tracker serve} in a PID namespace of its own (unshare), serving once this returns. */
    private ChildProcess daemonInItsOwnPidNamespace(long reapIntervalMs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ChildProcess daemon = ChildProcess.start(List.of("unshare", "--pid", "--fork", "--mount-proc", java,
                "-cp", System.getProperty("java.class.path"), DaemonProcessMain.class.getName(), directory.toString(),
                Long.toString(reapIntervalMs)));
        try {
            Poll.until(Duration.ofSeconds(60), () -> String.join("\n", daemon.stdout()).contains("tracker serving on"),
                    () -> "daemon in its namespace started: " + daemon.stdout() + daemon.stderr());
        } catch (RuntimeException | AssertionError e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    @Test
    void neverReapsLiveClientOutsideTheDaemonsPidNamespace() throws Exception {
        assumeRootWith("unshare");
        assumeUnshareWorks();
        // the daemon in a PID namespace of its own, reaping every 100 ms; the client out here
        try (ChildProcess daemon = daemonInItsOwnPidNamespace(100)) {
            int pid;
            Set<HeldRow> held;
            try (HoldClient client = HoldClient.start(directory.resolve("tracker.sock"), "-b", "3", "-k", "1")) {
                pid = client.awaitReady(STARTUP);
                held = client.expectedRows();
                Poll.until(STARTUP, () -> String.join("\n", daemon.stdout()).contains("client connected: pid 0 "),
                        () -> "the daemon cannot see the client's pid: " + daemon.stdout());
                // a dozen periodic passes while the client lives and stays connected
                Poll.holdsFor(Duration.ofMillis(1500), () -> daemon.stdout().stream().noneMatch(l -> l.contains(" is dead")),
                        () -> "a live client outside the daemon's namespace was reaped: " + daemon.stdout());
                assertTrue(client.process().isAlive());
                daemon.closeStdin();
                assertTrue(daemon.process().waitFor(30, TimeUnit.SECONDS), "daemon stopped");
            }
            try (Database db = Database.open(directory.resolve("db").resolve("tracker"), Database.Access.READ_ONLY)) {
                assertEquals(0, ReapDb.count(db.jdbi(), "reaps"), "audit records");
                assertEquals(held.size(), ReapDb.count(db.jdbi(), "allocations"), "live rows of the live client " + pid);
            }
        }
    }

    /**
     * A client whose pid means nothing to the daemon (the daemon sits in a PID namespace of
     * its own, the client outside) cannot be judged by /proc: its records go once its
     * connection closes, never kept forever.
     */
    @Test
    void reapsClientOutsideTheDaemonsPidNamespaceOnceItsConnectionCloses() throws Exception {
        assumeRootWith("unshare");
        assumeUnshareWorks();
        // no periodic pass within the test: only the disconnect can reap
        try (ChildProcess daemon = daemonInItsOwnPidNamespace(600_000)) {
            int pid;
            Set<HeldRow> held;
            try (HoldClient client = HoldClient.start(directory.resolve("tracker.sock"), "-b", "3", "-k", "1")) {
                pid = client.awaitReady(STARTUP);
                held = client.expectedRows();
                Poll.until(STARTUP, () -> String.join("\n", daemon.stdout()).contains("client connected: pid 0 "),
                        () -> "the daemon cannot see the client's pid: " + daemon.stdout());
            }
            Poll.until(SOON, () -> String.join("\n", daemon.stdout()).contains("reaped pid " + pid + " (connection_closed)"),
                    () -> "the unresolved client reaped once its connection closed: " + daemon.stdout());
            daemon.closeStdin();
            assertTrue(daemon.process().waitFor(30, TimeUnit.SECONDS), "daemon stopped");
            try (Database db = Database.open(directory.resolve("db").resolve("tracker"), Database.Access.READ_ONLY)) {
                Jdbi jdbi = db.jdbi();
                List<ReapDb.ReapRow> reaps = ReapDb.allReaps(jdbi);
                assertEquals(1, reaps.size(), "audit records");
                ReapDb.ReapRow reap = reaps.get(0);
                assertEquals(null, reap.pid(), "unresolved: no pid of the daemon's namespace");
                assertEquals(pid, reap.reportedPid());
                assertEquals("CONNECTION_CLOSED", reap.reason());
                assertEquals(held, ReapDb.reapedRows(jdbi, reap.id()));
                assertEquals(0, ReapDb.count(jdbi, "allocations"), "live rows left");
            }
        }
    }

    private static void assumeUnshareWorks() throws Exception {
        Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true")
                .redirectErrorStream(true).start();
        String why = new String(probe.getInputStream().readAllBytes());
        Assumptions.assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "unshare --pid cannot run here: " + why);
    }

    private static ServerConfig openSocket(ServerConfig c) {
        return new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                PosixFilePermissions.fromString("rw-rw-rw-"), c.socketGroup(), c.deviceInfo(), c.retentionMs(),
                c.pruneIntervalMs(), c.verbose());
    }

    private static void assumeRootWith(String tool) {
        Assumptions.assumeTrue(new ProcFs().uid(ProcFs.selfPid()) == 0,
                "needs root to run a client as another user or in a new PID namespace");
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(dir, tool));
        }
        Assumptions.assumeTrue(found, tool + " is not installed");
    }

    private static void awaitLive(Jdbi jdbi, int pid, Set<HeldRow> held) {
        Poll.until(STARTUP, () -> ReapDb.liveRows(jdbi, pid).equals(held),
                () -> "live rows of " + pid + " committed: expected " + held + ", found " + ReapDb.liveRows(jdbi, pid));
    }
}
