package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.reaper.ReapExpectations.assertCompleteAudit;
import static tracker.reaper.ReapExpectations.printedReap;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tracker.log.EventLog;
import tracker.proc.ProcessProbe;
import tracker.store.Database;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;

/**
 * A reap is one transaction: a failure at any step after the first leaves the live rows
 * where they were and no audit record, and the reap succeeds whole once the failure is
 * gone. Failures are injected with a real H2 trigger inside the reap's transaction.
 */
class ReapAtomicityTest {

    private static final String TRIGGER_CLASS = "'" + FailingTrigger.class.getName() + "'";

    /** Where the injected failure strikes. */
    enum Failure {
        /** the live rows are deleted and the audit written; ending the process fails */
        ENDING_THE_PROCESS_AFTER_THE_DELETE("BEFORE UPDATE ON processes"),
        /** the audit record and its rows are written; deleting the live rows fails */
        DELETING_THE_LIVE_ROWS_AFTER_THE_AUDIT("BEFORE DELETE ON live_segments");

        final String when;

        Failure(String when) {
            this.when = when;
        }
    }

    @TempDir
    Path directory;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final EventLog log = new EventLog(new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC(), false);

    @BeforeEach
    void forgetObservations() {
        FailingTrigger.OBSERVED.clear();
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void failedReapLeavesEverythingInPlaceAndSucceedsOnceTheFailureIsGone(Failure failure) throws Exception {
        StoredFixtures.DeadProcess dead = StoredFixtures.DeadProcess.create();
        ProcessRow process = StoredFixtures.process(1, dead.pid(), dead.startTicks(), StoredFixtures.BOOT, "sleep 600");
        Set<HeldRow> held = StoredFixtures.held(process);
        try (Database db = Database.open(directory.resolve("db").resolve("tracker"), Database.Access.READ_WRITE)) {
            StoredFixtures.write(db, List.of(process));
            Jdbi jdbi = db.jdbi();
            jdbi.useHandle(h -> h.execute("CREATE TRIGGER reap_fails " + failure.when + " FOR EACH ROW CALL " + TRIGGER_CLASS));

            try (Reaper reaper = new Reaper(new StoredReapTarget(db, StoredFixtures.NOW),
                    new ProcessProbe(StoredFixtures.PROC), log, StoredFixtures.NOW)) {
                RuntimeException thrown = assertThrows(RuntimeException.class, reaper::reapNow);
                assertTrue(causes(thrown).contains("injected failure"), causes(thrown));

                // the failing statement ran after the earlier steps, in the same transaction
                assertEquals(1, FailingTrigger.OBSERVED.size(), FailingTrigger.OBSERVED::toString);
                FailingTrigger.Observation seen = FailingTrigger.OBSERVED.get(0);
                assertEquals(process.id(), seen.processId());
                assertEquals(1, seen.reaps(), "the audit record was written before the failure");
                assertEquals(held.size(), seen.reapedRows(), "the held rows were audited before the failure");
                assertEquals(failure == Failure.ENDING_THE_PROCESS_AFTER_THE_DELETE ? 0 : held.size(), seen.liveRows(),
                        "live rows when the failure struck");

                // ... and none of it landed
                assertEquals(held, ReapDb.liveRowsOfProcessId(jdbi, process.id()), "live rows after the failed reap");
                assertEquals(0, ReapDb.count(jdbi, "reaps"));
                assertEquals(0, ReapDb.count(jdbi, "reaped_allocations"));
                ReapDb.ProcessState state = ReapDb.processById(jdbi, process.id());
                assertNull(state.endedAt());
                assertNull(state.endReason());
                assertFalse(logged.toString(StandardCharsets.UTF_8).contains("is dead"),
                        "a reap that did not commit was reported:\n" + logged);

                jdbi.useHandle(h -> h.execute("DROP TRIGGER reap_fails"));
                List<ReapRecord> reaped = reaper.reapNow();
                assertEquals(1, reaped.size(), reaped::toString);
            }
            assertCompleteAudit(jdbi, dead.pid(), held, "EXITED");
            assertTrue(printedReap(logged.toString(StandardCharsets.UTF_8), dead.pid(), held), logged::toString);
        }
    }

    @Test
    void daemonRetriesAReapWhoseCommitFailedAndNeverAppliesHalfOfIt() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "3", "-c", "1", "-k", "1", "-m", "wait")) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            try {
                int pid = client.awaitReady(Duration.ofSeconds(10));
                Set<HeldRow> held = client.expectedRows();
                Poll.until(Duration.ofSeconds(10), () -> ReapDb.liveRows(jdbi, pid).equals(held),
                        () -> "live rows of " + pid + " committed");
                long processId = ReapDb.process(jdbi, pid).id();
                jdbi.useHandle(h -> h.execute("CREATE TRIGGER reap_fails BEFORE UPDATE ON processes FOR EACH ROW CALL "
                        + TRIGGER_CLASS));

                HoldClient.kill9(pid);

                Poll.until(Duration.ofSeconds(5), () -> FailingTrigger.OBSERVED.stream().anyMatch(o -> o.processId() == processId)
                                && daemon.output().contains("storage error"),
                        () -> "the reap's commit failed; observed " + FailingTrigger.OBSERVED + ", output:\n" + daemon.output());
                FailingTrigger.Observation seen = FailingTrigger.OBSERVED.get(0);
                assertEquals(0, seen.liveRows(), "the reap's delete had run when its transaction failed");
                assertEquals(1, seen.reaps());
                assertEquals(new ReapDb.Snapshot(held.size(), 0, 0), ReapDb.snapshot(jdbi, pid),
                        "nothing of the failed reap is in the database");
                assertNull(ReapDb.process(jdbi, pid).endedAt());

                jdbi.useHandle(h -> h.execute("DROP TRIGGER reap_fails"));

                Poll.until(Duration.ofSeconds(10), () -> ReapDb.snapshot(jdbi, pid).reaped()
                                && printedReap(daemon.output(), pid, held),
                        () -> "the retried reap landed; db " + ReapDb.snapshot(jdbi, pid) + ", output:\n" + daemon.output());
                assertCompleteAudit(jdbi, pid, held, "EXITED");
                assertTrue(daemon.output().contains("storage recovered"), daemon.output());
            } finally {
                // a trigger left behind would make the daemon retry its last commit forever on close
                jdbi.useHandle(h -> h.execute("DROP TRIGGER IF EXISTS reap_fails"));
            }
        }
    }

    private static String causes(Throwable thrown) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }
}
