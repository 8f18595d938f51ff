package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;

/**
 * The CI gate on a daemon shared by several jobs: {@code leaks --since T --live} and
 * {@code ps --since T} see only the processes first seen since T, the job's own, while an
 * older process of another job holds memory all along. Real client processes, a real daemon.
 */
class CiGateTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    @Test
    void aJobGatesOnlyOnTheLiveProcessesFirstSeenSinceItsStart() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient otherJob = HoldClient.start(daemon.socket(), "-b", "2", "-o", "0x100000")) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            int older = otherJob.awaitReady(STARTUP);
            awaitHolding(db, older);
            Instant jobStart = Instant.now();
            try (HoldClient clean = HoldClient.start(daemon.socket(), "-b", "2", "-f", "-o", "0x200000")) {
                int cleanPid = clean.awaitReady(STARTUP);
                Await.until("the clean client is tracked", () -> Cli.throughDaemon(db, "ps", "--format", "csv")
                        .out().lines().anyMatch(line -> line.startsWith(cleanPid + ",")));
                daemon.flush();

                Cli.Result gate = Cli.throughDaemon(db, "leaks", "--live", "--since", jobStart.toString(),
                        "--format", "csv");
                assertEquals(ExitCode.OK, gate.exit(), gate.out() + gate.err());
                Cli.Result everyone = Cli.throughDaemon(db, "leaks", "--live", "--format", "csv");
                assertEquals(ExitCode.CHECK_FAILED, everyone.exit(), "without --since the older process counts");
                assertTrue(everyone.out().lines().anyMatch(line -> line.startsWith(older + ",")), everyone.out());

                Cli.Result ps = Cli.throughDaemon(db, "ps", "--since", jobStart.toString(), "--format", "csv");
                assertEquals(ExitCode.OK, ps.exit(), ps.err());
                assertTrue(ps.out().lines().anyMatch(line -> line.startsWith(cleanPid + ",")), ps.out());
                assertFalse(ps.out().lines().anyMatch(line -> line.startsWith(older + ",")), ps.out());

                try (HoldClient leaking = HoldClient.start(daemon.socket(), "-b", "1", "-o", "0x300000")) {
                    int leakingPid = leaking.awaitReady(STARTUP);
                    awaitHolding(db, leakingPid);
                    Cli.Result failed = Cli.throughDaemon(db, "leaks", "--live", "--since", jobStart.toString(),
                            "--format", "csv");
                    assertEquals(ExitCode.CHECK_FAILED, failed.exit(), failed.out() + failed.err());
                    assertTrue(failed.out().lines().anyMatch(line -> line.startsWith(leakingPid + ",")), failed.out());
                    assertFalse(failed.out().lines().anyMatch(line -> line.startsWith(older + ",")), failed.out());
                }
            }
        }
    }

    /** Until the daemon's committed live set holds records of {@code pid}. */
    private static void awaitHolding(Path db, int pid) {
        Await.until("pid " + pid + " holds memory", () -> Cli.throughDaemon(db, "leaks", "--live", "--pid",
                Integer.toString(pid), "--format", "csv").exit() == ExitCode.CHECK_FAILED);
    }
}
