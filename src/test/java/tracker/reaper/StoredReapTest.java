package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.reaper.ReapExpectations.assertCompleteAudit;
import static tracker.reaper.ReapExpectations.printedReap;
import static tracker.reaper.StoredFixtures.BOOT;
import static tracker.reaper.StoredFixtures.NOW;
import static tracker.reaper.StoredFixtures.PROC;
import static tracker.reaper.StoredFixtures.held;
import static tracker.reaper.StoredFixtures.process;
import static tracker.reaper.StoredFixtures.write;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.log.EventLog;
import tracker.proc.ProcessProbe;
import tracker.store.Database;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * Reaps decided from stored identities: a record whose pid now names another process (PID
 * reuse, which no client can fake over the wire, so the rows are written into the file), a
 * record of an earlier boot, and the pass a daemon makes over its file at start-up.
 */
class StoredReapTest {

    static final int SELF = WireClient.SELF_PID;
    static final long SELF_TICKS = PROC.stat(SELF).orElseThrow().startTicks();

    @TempDir
    Path directory;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final EventLog log = new EventLog(new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC(), false);

    @Test
    void reapsRecordWhosePidNowBelongsToAnotherProcessAsPidReused() throws Exception {
        ProcessRow reused = process(1, SELF, SELF_TICKS + 1, BOOT, "an earlier process that had this pid");
        ProcessRow live = process(2, SELF, SELF_TICKS, BOOT, "this JVM");
        ProcessRow unresolved = process(3, null, null, BOOT, "[pid 7 in the PID namespace of pid 99]");
        try (Database db = Database.open(dbPath(), Database.Access.READ_WRITE)) {
            write(db, List.of(reused, live, unresolved));
            Jdbi jdbi = db.jdbi();
            List<ReapRecord> reaped;
            try (Reaper reaper = new Reaper(new StoredReapTarget(db, NOW), new ProcessProbe(PROC), log, NOW)) {
                reaped = reaper.reapNow();
            }

            assertEquals(1, reaped.size(), "only the reused record is dead: " + reaped);
            assertEquals(reused.id(), reaped.get(0).process().id());
            assertEquals("PID_REUSED", reaped.get(0).reason());
            ReapDb.ReapRow reap = assertCompleteAudit(jdbi, SELF, held(reused), "PID_REUSED");
            assertEquals(SELF_TICKS + 1, reap.startTicks(), "the audit names the dead process, not the pid's new owner");
            assertEquals(reused.command(), reap.command());
            assertEquals(held(live), ReapDb.liveRowsOfProcessId(jdbi, live.id()), "the pid's live owner keeps its rows");
            assertEquals(held(unresolved), ReapDb.liveRowsOfProcessId(jdbi, unresolved.id()), "unresolved: never reaped");
            assertNull(ReapDb.processById(jdbi, live.id()).endedAt());
            assertNull(ReapDb.processById(jdbi, unresolved.id()).endedAt());
            assertTrue(printedReap(output(), SELF, held(reused)), output());
        }
    }

    @Test
    void reapsRecordOfAnEarlierBootEvenWhenPidAndStartTimeMatch() throws Exception {
        ProcessRow earlierBoot = process(1, SELF, SELF_TICKS, "00000000-0000-0000-0000-000000000000", "before the reboot");
        try (Database db = Database.open(dbPath(), Database.Access.READ_WRITE)) {
            write(db, List.of(earlierBoot));
            try (Reaper reaper = new Reaper(new StoredReapTarget(db, NOW), new ProcessProbe(PROC), log, NOW)) {
                assertEquals(1, reaper.reapNow().size());
            }
            assertCompleteAudit(db.jdbi(), SELF, held(earlierBoot), "EXITED");
        }
    }

    @Test
    void startUpPassReapsDeadAndUnresolvedRecordsAndReloadsLiveOnes() throws Exception {
        StoredFixtures.DeadProcess dead = StoredFixtures.DeadProcess.create();
        ProcessRow reused = process(1, SELF, SELF_TICKS + 1, BOOT, "an earlier owner of this pid");
        ProcessRow exited = process(2, dead.pid(), dead.startTicks(), BOOT, "sleep 600");
        ProcessRow live = process(3, SELF, SELF_TICKS, BOOT, "this JVM");
        ProcessRow unresolved = process(4, null, null, BOOT, "[unresolved]");
        try (Database db = Database.open(dbPath(), Database.Access.READ_WRITE)) {
            write(db, List.of(reused, exited, live, unresolved));
        }

        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            assertCompleteAudit(jdbi, SELF, held(reused), "DEAD_AT_STARTUP");
            assertCompleteAudit(jdbi, dead.pid(), held(exited), "DEAD_AT_STARTUP");
            assertTrue(printedReap(daemon.output(), SELF, held(reused)), daemon.output());
            assertTrue(printedReap(daemon.output(), dead.pid(), held(exited)), daemon.output());
            assertEquals(held(live), ReapDb.liveRowsOfProcessId(jdbi, live.id()));
            // unresolved: the connections that reported it closed with the daemon that stopped
            List<ReapDb.ReapRow> unresolvedReaps = ReapDb.reapsOfProcessId(jdbi, unresolved.id());
            assertEquals(1, unresolvedReaps.size(), unresolvedReaps.toString());
            assertEquals("CONNECTION_CLOSED", unresolvedReaps.get(0).reason());
            assertEquals(held(unresolved), ReapDb.reapedRows(jdbi, unresolvedReaps.get(0).id()));
            assertEquals(Set.of(), ReapDb.liveRowsOfProcessId(jdbi, unresolved.id()));
            assertTrue(daemon.output().contains(": " + held(live).size() + " live records of 1 processes reloaded"),
                    daemon.output());

            // the reloaded process is judged like any other: alive, it stays
            assertEquals(List.of(), daemon.daemon().reaper().reapNow());
            assertEquals(3, ReapDb.count(jdbi, "reaps"));
            assertEquals(held(live).size(), ReapDb.count(jdbi, "allocations"));
        }
    }

    @Test
    void reapsClientThatDiedWhileNoDaemonRanAtNextStartUp() throws Exception {
        HoldClient died = null;
        HoldClient survivor = null;
        try {
            int diedPid;
            int survivorPid;
            Set<HeldRow> diedHeld;
            Set<HeldRow> survivorHeld;
            try (TestDaemon first = TestDaemon.start(directory)) {
                died = HoldClient.start(first.socket(), "-b", "3", "-k", "1", "-r");
                survivor = HoldClient.start(first.socket(), "-b", "2", "-c", "1", "-o", "0x30000000");
                diedPid = died.awaitReady(Duration.ofSeconds(10));
                survivorPid = survivor.awaitReady(Duration.ofSeconds(10));
                diedHeld = died.expectedRows();
                survivorHeld = survivor.expectedRows();
                Jdbi jdbi = first.daemon().database().jdbi();
                awaitLive(jdbi, diedPid, diedHeld);
                awaitLive(jdbi, survivorPid, survivorHeld);
            }
            died.process().destroyForcibly();
            assertTrue(died.process().waitFor(5, TimeUnit.SECONDS));

            try (TestDaemon second = TestDaemon.start(directory)) {
                Jdbi jdbi = second.daemon().database().jdbi();
                assertCompleteAudit(jdbi, diedPid, diedHeld, "DEAD_AT_STARTUP");
                assertTrue(printedReap(second.output(), diedPid, diedHeld), second.output());
                assertEquals(survivorHeld, ReapDb.liveRows(jdbi, survivorPid), "a live client survives the restart");
                assertTrue(second.output().contains(": 3 live records of 1 processes reloaded"), second.output());

                // the survivor, reloaded from the file, is reaped by the running daemon once it dies
                survivor.process().destroyForcibly();
                assertTrue(survivor.process().waitFor(5, TimeUnit.SECONDS));
                List<ReapRecord> pass = second.daemon().reaper().reapNow();
                assertEquals(List.of(survivorPid), pass.stream().map(r -> r.process().pid()).collect(Collectors.toList()));
                assertCompleteAudit(jdbi, survivorPid, survivorHeld, "EXITED");
                assertTrue(printedReap(second.output(), survivorPid, survivorHeld), second.output());
            }
        } finally {
            if (died != null) {
                died.close();
            }
            if (survivor != null) {
                survivor.close();
            }
        }
    }

    private Path dbPath() {
        // where TestDaemon.config(directory, ...) puts it, so a daemon can start on the file
        return directory.resolve("db").resolve("tracker");
    }

    private String output() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    private static void awaitLive(Jdbi jdbi, int pid, Set<HeldRow> held) {
        Poll.until(Duration.ofSeconds(10), () -> ReapDb.liveRows(jdbi, pid).equals(held),
                () -> "live rows of " + pid + " committed: expected " + held + ", found " + ReapDb.liveRows(jdbi, pid));
    }
}
