package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.ProcessRow;
import tracker.store.Queries;
import tracker.testing.Await;
import tracker.testing.LiveModel;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;

/**
 * A process that frees everything and exits at once may be found dead while its last frees
 * are still unread in its socket: under load its connection's reader waits for room in the
 * ingest queue, and the kernel keeps the rest. Reaping it then would audit memory it freed
 * as leaked (evidence that says "leak" where there was none) and drop the frees as frames of
 * a dead process. Here every step of that is real except the load, which is made by holding
 * the ledger thread while a second client fills the queue: the reader of a client that
 * frees is then where heavy ingest puts it.
 */
class LastFreesReapTest {

    /** Two reads' worth of frees (a read takes 64 KiB, 455 v3 frames): some stay in the socket. */
    private static final int RECORDS = 1_000;
    /** More frames than the ingest queue holds, so that every reader waits for room. */
    private static final int FILLER_FRAMES = TrackerDaemon.INGEST_QUEUE_EVENTS + 10_000;

    @TempDir
    Path directory;

    @Test
    @Timeout(120)
    void aProcessFoundDeadWithItsLastFreesUnreadIsNotAuditedAsALeak() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient observer = WireClient.connect(daemon.socket());
             ExitingClient client = ExitingClient.connect(daemon.socket(), ExitingClient.allocs(RECORDS, 0x100000),
                     ExitingClient.frees(RECORDS, 0x100000), directory)) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.pid();
            client.sendFirst();
            Await.until(Duration.ofSeconds(10), () -> dram(observer) == RECORDS * 4096L, "its allocations applied");
            daemon.flush();
            ProcessRow row = jdbi.withHandle(Queries::processesHoldingRecords).stream()
                    .filter(process -> process.pid() != null && process.pid() == pid).findFirst().orElseThrow();

            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            daemon.daemon().runOn(false, () -> {
                held.countDown();
                awaitQuietly(release);
            });
            assertTrue(held.await(10, TimeUnit.SECONDS), "the ledger is held");
            Thread filler = new Thread(() -> fill(daemon.socket()), "filler");
            filler.start();
            Await.until(Duration.ofSeconds(20), () -> threadsWaitingForRoom() == 1, "the filler's reader waits for room");

            client.sendLastAndExit();
            Await.until(Duration.ofSeconds(20), () -> threadsWaitingForRoom() == 2,
                    "the exited client's reader waits for room, the rest of its frees in its socket");
            daemon.daemon().reaper().checkSoon(List.of(row));
            // a task takes the room that is left, ahead of a reader waiting for room for its batch
            Await.until(Duration.ofSeconds(20), LastFreesReapTest::reaperAwaitsItsReap,
                    "the reaper found it dead and queued its reap");
            release.countDown();
            filler.join(TimeUnit.SECONDS.toMillis(60));

            Await.until(Duration.ofSeconds(30), () -> flushed(daemon) && ReapDbView.liveRows(jdbi, pid) == 0,
                    () -> "every record of pid " + pid + " gone:\n" + daemon.output());
            assertEquals(0, dram(observer), "nothing left live");
            assertEquals(List.of(), ReapDbView.reapedBuffers(jdbi, pid),
                    "a process that freed everything is audited as holding nothing");
            assertEquals(0, ReapDbView.counter(jdbi, "frames_for_dead_processes"), "no frame of it dropped");
            assertEquals(0, ReapDbView.counter(jdbi, "unknown_frees"), "every free found its record");
        }
    }

    /** Threads of the daemon waiting for room in its ingest queue: connection readers and the reaper. */
    private static long threadsWaitingForRoom() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> entry.getKey().getState() == Thread.State.WAITING
                        || entry.getKey().getState() == Thread.State.TIMED_WAITING)
                .filter(entry -> java.util.Arrays.stream(entry.getValue()).anyMatch(frame ->
                        frame.getClassName().equals(IngestQueue.class.getName()) && frame.getMethodName().equals("put")))
                .count();
    }

    /** The reaper thread waits for the ledger to apply a reap it queued. */
    private static boolean reaperAwaitsItsReap() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> entry.getKey().getName().equals("tracker-reaper"))
                .anyMatch(entry -> java.util.Arrays.stream(entry.getValue()).anyMatch(frame ->
                        frame.getClassName().equals(LedgerReapTarget.class.getName())
                                && frame.getMethodName().equals("awaitCommitOrApplied")));
    }

    /** Allocations and their frees under the test's own pid, which lives on: nothing of it is reaped. */
    private static void fill(Path socket) {
        try (WireClient filler = WireClient.connect(socket)) {
            Frame[] frames = new Frame[FILLER_FRAMES];
            for (int i = 0; i < FILLER_FRAMES; i += 2) {
                frames[i] = WireClient.alloc(1, 0x9000_0000L + 0x1000L * i, 4096, 0);
                frames[i + 1] = WireClient.free(1, 0x9000_0000L + 0x1000L * i);
            }
            filler.send(frames);
            filler.query(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long dram(WireClient client) {
        try {
            return LiveModel.totalsIn(client.query(0)).dram();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean flushed(TestDaemon daemon) {
        try {
            daemon.flush();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the database says of a pid, read as `tracker audit` and `leaks` read it. */
    private static final class ReapDbView {
        static int liveRows(Jdbi jdbi, int pid) {
            return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM allocations a JOIN processes p"
                    + " ON p.id = a.process_id WHERE p.pid = ?").bind(0, pid).mapTo(Integer.class).one());
        }

        static List<Long> reapedBuffers(Jdbi jdbi, int pid) {
            return jdbi.withHandle(h -> h.createQuery("SELECT buffers FROM reaps WHERE pid = ?").bind(0, pid).mapTo(Long.class).list());
        }

        static long counter(Jdbi jdbi, String name) {
            return jdbi.withHandle(h -> h.createQuery("SELECT total FROM counters WHERE name = ?").bind(0, name)
                    .mapTo(Long.class).findOne().orElse(0L));
        }
    }
}
