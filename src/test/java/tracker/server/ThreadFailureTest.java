package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.Database;
import tracker.testing.Await;
import tracker.testing.ConfigVariants;
import tracker.testing.LiveRows;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.WireVersion;

/**
 * A daemon that loses one of its own threads stops, says what it could and could not commit,
 * exits non-zero and leaves the unclean-stop marker; a stop never hangs. The failures are
 * injected on the very thread a real one would strike (an Error thrown there), since an
 * OutOfMemoryError cannot be produced on demand in one chosen thread.
 */
class ThreadFailureTest {

    private static final Duration STOP_BOUND = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private static Frame[] allocs(long first, int count) {
        Frame[] frames = new Frame[count];
        for (int i = 0; i < count; i++) {
            frames[i] = WireClient.alloc(0, 0x1000L * (first + i), 4096, 0);
        }
        return frames;
    }

    /** One number read from the file the daemon left. */
    private static long stored(Path database, String query, Object... binds) {
        try (Database file = Database.open(database, Database.Access.READ_ONLY)) {
            return file.jdbi().withHandle(h -> {
                var select = h.createQuery(query);
                for (int i = 0; i < binds.length; i++) {
                    select.bind(i, binds[i]);
                }
                return select.mapTo(Long.class).one();
            });
        }
    }

    private static long storedCounter(Path database, String name) {
        return stored(database, "SELECT total FROM counters WHERE name = ?", name);
    }

    private static long storedHistoryEvents(Path database) {
        return stored(database, "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks");
    }

    private static void awaitStopped(TestDaemon daemon) throws Exception {
        try {
            daemon.daemon().stopped().get(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the daemon did not stop within " + STOP_BOUND + ":\n" + daemon.output());
        }
    }

    @Test
    void ledgerDyingStopsTheDaemonAndCountsTheEventsItCouldNotCommit() throws Exception {
        TestDaemon daemon = TestDaemon.start(directory);
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(allocs(0, 200));
            client.query(0);
            daemon.flush(); // 200 events committed
            // hold the writer inside a commit, then fill its one-batch queue: what the ledger
            // applies next stays in the ledger's own batch
            CountDownLatch writerHeld = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            daemon.daemon().runOn(true, () -> {
                writerHeld.countDown();
                awaitQuietly(release);
            });
            assertTrue(writerHeld.await(10, TimeUnit.SECONDS), "the writer reached the held commit");
            daemon.daemon().runOn(true, () -> { });
            CountDownLatch ledgerPassed = new CountDownLatch(1);
            daemon.daemon().runOn(false, ledgerPassed::countDown);
            assertTrue(ledgerPassed.await(10, TimeUnit.SECONDS));
            CountDownLatch ledgerPassedAgain = new CountDownLatch(1);
            daemon.daemon().runOn(false, ledgerPassedAgain::countDown); // a later pass: the cut above is done
            assertTrue(ledgerPassedAgain.await(10, TimeUnit.SECONDS));

            client.send(allocs(1000, 300));
            client.query(0); // applied by the ledger, not committed: the writer has no room
            daemon.daemon().runOn(false, () -> {
                throw new OutOfMemoryError("injected into the ledger");
            });
            Await.until("the failure to be logged", () -> daemon.output().contains("tracker-ledger died"));
            release.countDown();
            awaitStopped(daemon);
        }
        String output = daemon.output();
        assertEquals(TrackerDaemon.FAILED, daemon.daemon().exitCode(), output);
        assertEquals(1, output.lines().filter(l -> l.contains("tracker-ledger died")).count(), output);
        assertTrue(output.contains("java.lang.OutOfMemoryError: injected into the ledger"), output);
        assertTrue(output.contains("stopped: 200 events committed; 300 received events could not be committed"),
                output);
        assertEquals(200, storedHistoryEvents(daemon.database()));
        assertEquals(1, storedCounter(daemon.database(), "daemon_running"), "no clean-stop marker after a loss");
        try (TestDaemon next = TestDaemon.start(directory)) {
            assertTrue(next.output().contains("did not stop cleanly"), next.output());
        }
    }

    @Test
    void writerDyingStopsTheDaemonWithoutHangingOnAFullQueue() throws Exception {
        TestDaemon daemon = TestDaemon.start(directory);
        long sent = 0;
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(allocs(0, 100));
            client.query(0);
            daemon.flush();
            sent += 100;
            daemon.daemon().runOn(true, () -> {
                throw new StackOverflowError("injected into the writer");
            });
            // a client that goes on sending while the daemon stops: its sends end, they never hang
            try {
                for (int round = 0; round < 200 && !daemon.daemon().stopped().isDone(); round++) {
                    sent += 1000; // counted before: a send that fails half way may have delivered some
                    client.send(allocs(10_000 + round * 1000L, 1000));
                }
            } catch (IOException e) {
                // the daemon closed the connection while stopping
            }
            awaitStopped(daemon);
        }
        String output = daemon.output();
        assertEquals(TrackerDaemon.FAILED, daemon.daemon().exitCode(), output);
        assertTrue(output.contains("tracker-writer died (java.lang.StackOverflowError: injected into the writer)"),
                output);
        ServerMetrics.Snapshot figures = daemon.daemon().metrics();
        long committed = storedHistoryEvents(daemon.database());
        assertTrue(committed >= 100, "what was flushed before is kept: " + committed);
        assertTrue(output.contains("stopped: " + String.format("%,d", committed) + " events committed"), output);
        long notCommitted = figures.eventsReceived() - committed;
        if (notCommitted > 0) {
            assertTrue(output.contains(String.format("%,d", notCommitted) + " received events could not be committed"),
                    output);
        }
        assertTrue(figures.eventsReceived() <= sent, figures.eventsReceived() + " received of " + sent + " sent");
        assertEquals(1, storedCounter(daemon.database(), "daemon_running"), "no clean-stop marker");
    }

    @Test
    void cleanStopSaysEverythingWasCommittedAndExitsZero() throws Exception {
        TestDaemon daemon = TestDaemon.start(directory);
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(allocs(0, 1234));
            client.query(0);
        }
        daemon.close();
        String output = daemon.output();
        assertEquals(0, daemon.daemon().exitCode(), output);
        assertTrue(output.contains("stopped: 1,234 events committed,"), output);
        assertFalse(output.contains("could not be committed"), output);
        assertEquals(1234, storedHistoryEvents(daemon.database()));
        assertEquals(0, storedCounter(daemon.database(), "daemon_running"));
    }

    @Test
    void startWithAMissingSocketDirectoryChangesNothingOnDisk() {
        ServerConfig config = ConfigVariants.withSocket(TestDaemon.config(directory, WireVersion.V3),
                directory.resolve("no-such-dir").resolve("tracker.sock"));
        List<String> before = trackerThreads();
        SocketUnavailableException refused = assertThrows(SocketUnavailableException.class,
                () -> TestDaemon.start(config));
        assertTrue(refused.getMessage().contains(directory.resolve("no-such-dir").toString()), refused.getMessage());
        assertFalse(Files.exists(config.database().getParent()), "no database directory was made");
        assertEquals(before, trackerThreads(), "no thread left running");
    }

    @Test
    void startWithAnUnknownSocketGroupIsABadOptionAndChangesNothing() {
        ServerConfig base = TestDaemon.config(directory, WireVersion.V3);
        ServerConfig config = new ServerConfig(base.socket(), base.wire(), base.database(), base.commitIntervalMs(),
                base.reapIntervalMs(), base.socketMode(), "no-such-group-here", null, 0, 3_600_000, false);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TestDaemon.start(config));
        assertTrue(refused.getMessage().contains("no-such-group-here"), refused.getMessage());
        assertFalse(Files.exists(config.database().getParent()), "no database directory was made");
        assertFalse(Files.exists(config.socket()), "no socket file");
    }

    @Test
    void startThatFailsAfterOpeningTheDatabaseLeavesNoMarkerNoSocketNoThread() throws Exception {
        try (TestDaemon first = TestDaemon.start(directory)) {
            first.flush();
        }
        // a regular file where the socket goes: refused after the database was opened
        ServerConfig config = TestDaemon.config(directory, WireVersion.V3);
        Files.writeString(config.socket(), "not a socket\n");
        List<String> before = trackerThreads();
        assertThrows(SocketUnavailableException.class, () -> TestDaemon.start(config));
        assertEquals("not a socket\n", Files.readString(config.socket()));
        assertEquals(0, storedCounter(config.database(), "daemon_running"), "the clean-stop marker is as it was");
        assertEquals(before, trackerThreads(), "no thread left running");
    }

    private static List<String> trackerThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith("tracker-")) {
                names.add(thread.getName());
            }
        }
        names.sort(null);
        return names;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
