package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.store.Database;
import tracker.testing.Await;
import tracker.testing.ConfigVariants;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * The database on a small tmpfs that fills up: the daemon keeps answering QUERY, reports the
 * storage error once, and once space is back commits everything it held; the file opens
 * cleanly afterwards.
 */
class DiskFullTest {

    static final int DEVICE = 5;
    static final Duration RECOVERY = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private Path mount;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        boolean root = new tracker.proc.ProcFs().uid(tracker.proc.ProcFs.selfPid()) == 0;
        if (!root) {
            System.out.println("SKIPPED: mounting a tmpfs needs root");
        }
        Assumptions.assumeTrue(root, "mounting a tmpfs needs root");
        mount = Files.createTempDirectory("tracker-diskfull");
        String failure = run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString());
        if (failure != null) {
            Files.deleteIfExists(mount);
            mount = null;
            System.out.println("SKIPPED: cannot mount a tmpfs here: " + failure);
        }
        Assumptions.assumeTrue(mount != null, "cannot mount a tmpfs here: " + failure);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            String failure = run("umount", mount.toString());
            if (failure != null) {
                run("umount", "-l", mount.toString());
            }
            Files.deleteIfExists(mount);
            // H2 closes the database instance that failed on the full disk only later, and then writes
            // its trace file beside the database, outside the unmounted tmpfs
            for (Path leftover : List.of(mount, mount.resolve("db"), mount.resolve("db").resolve("tracker.trace.db"))) {
                leftover.toFile().deleteOnExit();
            }
        }
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out";
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output.strip();
    }

    /** Fills the file system with one file until it refuses another byte; returns the file. */
    private Path fill() throws IOException {
        Path dummy = mount.resolve("dummy");
        try (OutputStream out = Files.newOutputStream(dummy)) {
            for (int block : new int[] {1 << 20, 1 << 12, 1}) {
                try {
                    while (true) {
                        out.write(new byte[block]);
                        out.flush();
                    }
                } catch (IOException full) {
                    // no room for a block this big: try smaller ones
                }
            }
        } catch (IOException full) {
            // close() may fail too on a full disk
        }
        return dummy;
    }

    /** Allocates `count` buffers and frees every other one; returns the frames. */
    private static List<Frame> churn(long first, int count) {
        List<Frame> frames = new ArrayList<>();
        for (long i = first; i < first + count; i++) {
            frames.add(WireClient.frame(MessageType.ALLOC, DEVICE, 4096 + i % 1000, (int) (i % 5), WireClient.SELF_PID,
                    0x1000L * i));
            if (i % 2 == 0) {
                frames.add(WireClient.frame(MessageType.FREE, DEVICE, 0, 0, WireClient.SELF_PID, 0x1000L * i));
            }
        }
        return frames;
    }

    private static void flushWithin(TestDaemon daemon, Duration timeout) throws Exception {
        CompletableFuture<Void> flushed = CompletableFuture.runAsync(() -> {
            try {
                daemon.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            flushed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("nothing was committed within " + timeout.toSeconds() + " s; output:\n"
                    + daemon.output());
        }
    }

    @Test
    void fullDiskIsReportedOnceQueriesGoOnAndAllIsCommittedWhenSpaceReturns() throws Exception {
        ServerConfig config = ConfigVariants.withDatabase(TestDaemon.config(directory, WireVersion.V3),
                mount.resolve("db").resolve("tracker"));
        LiveModel model = new LiveModel();
        long sent = 0;
        long next = 0;
        try (TestDaemon daemon = TestDaemon.start(config);
             WireClient client = WireClient.connect(daemon.socket())) {
            List<Frame> frames = churn(next, 1000);
            next += 1000;
            client.send(frames.toArray(Frame[]::new));
            model.applyAll(frames);
            sent += frames.size();
            assertEquals(model.totals(DEVICE), LiveModel.totalsIn(client.query(DEVICE)));
            daemon.flush();

            Path dummy = fill();
            // history and live records until a commit no longer fits; QUERY is answered throughout
            while (daemon.daemon().metrics().storageFailures() == 0 && sent < 2_000_000) {
                frames = churn(next, 5000);
                next += 5000;
                client.send(frames.toArray(Frame[]::new));
                model.applyAll(frames);
                sent += frames.size();
                assertEquals(model.totals(DEVICE), LiveModel.totalsIn(client.query(DEVICE)), "QUERY on a full disk");
            }
            assertTrue(daemon.daemon().metrics().storageFailures() > 0, "commits failed on the full disk");
            Await.until(RECOVERY, () -> daemon.daemon().metrics().storageFailures() >= 3,
                    () -> "the writer retrying: " + daemon.daemon().metrics().storageFailures() + " failures");
            frames = churn(next, 2000);
            next += 2000;
            client.send(frames.toArray(Frame[]::new));
            model.applyAll(frames);
            sent += frames.size();
            assertEquals(model.totals(DEVICE), LiveModel.totalsIn(client.query(DEVICE)), "QUERY while commits fail");
            String output = daemon.output();
            assertEquals(1, output.lines().filter(l -> l.contains("storage error")).count(),
                    "the storage error is reported once, not per retry:\n" + output);

            Files.delete(dummy);
            Await.until(RECOVERY, () -> daemon.daemon().metrics().eventsCommitted()
                            == daemon.daemon().metrics().eventsApplied(),
                    () -> "everything committed once space is back: " + daemon.daemon().metrics() + "\n"
                            + daemon.output());
            assertTrue(daemon.output().contains("storage recovered"), daemon.output());
            flushWithin(daemon, RECOVERY);
            assertEquals(sent, daemon.daemon().metrics().eventsCommitted());
            assertEquals(model.rows(), LiveRows.set(daemon), "committed live set");
            assertEquals(sent, LiveRows.counter(daemon, "events"));
            assertEquals(0, LiveRows.counter(daemon, "dropped_history_events"));
            assertEquals(model.totals(DEVICE), LiveModel.totalsIn(client.query(DEVICE)));
        }
        // a clean stop, then the file opens and holds everything
        try (Database database = Database.open(config.database(), Database.Access.READ_ONLY)) {
            Jdbi jdbi = database.jdbi();
            assertEquals(model.rows(), new HashSet<>(LiveRows.all(jdbi)));
            assertEquals(sent, (long) jdbi.withHandle(h -> h.createQuery(
                    "SELECT total FROM counters WHERE name = 'events'").mapTo(Long.class).one()));
            assertEquals(sent, (long) jdbi.withHandle(h -> h.createQuery(
                    "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks").mapTo(Long.class).one()),
                    "history events");
            assertEquals(0L, (long) jdbi.withHandle(h -> h.createQuery(
                    "SELECT total FROM counters WHERE name = 'daemon_running'").mapTo(Long.class).one()),
                    "the clean stop is recorded");
        }
    }

    @Test
    void pruneOnAFullDiskAnswersWithinItsBoundAndAStopSaysWhatItCouldNotCommit() throws Exception {
        ServerConfig config = ConfigVariants.withDatabase(TestDaemon.config(directory, WireVersion.V3),
                mount.resolve("db").resolve("tracker"));
        TestDaemon daemon = TestDaemon.start(config);
        Path dummy;
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(churn(0, 1000).toArray(Frame[]::new));
            client.query(DEVICE);
            daemon.flush();
            dummy = fill();
            long next = 1000;
            while (daemon.daemon().metrics().storageFailures() == 0 && next < 2_000_000) {
                client.send(churn(next, 5000).toArray(Frame[]::new));
                next += 5000;
                client.query(DEVICE);
            }
            assertTrue(daemon.daemon().metrics().storageFailures() > 0, "commits failed on the full disk");
            long started = System.nanoTime();
            tracker.store.DatabaseUnavailableException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    tracker.store.DatabaseUnavailableException.class, () -> daemon.daemon().prune(0));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(refused.getMessage().contains("not accepting writes"), refused.getMessage());
            assertTrue(tookMs < tracker.server.TrackerDaemon.WRITE_WAIT_MS + 5_000, "answered in " + tookMs + " ms");
        }
        daemon.close();
        String output = daemon.output();
        assertEquals(tracker.server.TrackerDaemon.FAILED, daemon.daemon().exitCode(), output);
        assertTrue(output.contains("received events could not be committed"), output);
        Files.delete(dummy);
        try (Database database = Database.open(config.database(), Database.Access.READ_ONLY)) {
            assertEquals(1L, (long) database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT total FROM counters WHERE name = 'daemon_running'").mapTo(Long.class).one()),
                    "no clean-stop marker: events were lost");
        }
    }
}
