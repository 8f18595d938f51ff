package tracker.server;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongSupplier;
import tracker.log.EventLog;
import tracker.store.CommitBatch;
import tracker.store.StoreWriter;

/**
 * The one thread that writes the database ({@code tracker-writer}). Takes batches in the
 * order the ledger cut them and commits each in one transaction. When a write fails (disk
 * full, say) it keeps the batch and retries with a growing pause; the ledger meanwhile keeps
 * merging new changes into its next batch, so nothing accepted is lost.
 */
final class CommitLoop implements Runnable {

    private static final long FIRST_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 5_000;
    private static final long STORAGE_REMINDER_MS = 60_000;
    private static final CommitBatch STOP = new CommitBatch();

    private final BlockingQueue<CommitBatch> queue = new ArrayBlockingQueue<>(1);
    private final StoreWriter writer;
    private final ServerMetrics metrics;
    private final EventLog log;
    private final LongSupplier nowMicros;
    /** true from a failed write until the next successful one */
    private volatile boolean failing;
    /** true while the batch being written carries a reap, which may take long */
    private volatile boolean writingReap;
    /** set when the thread has ended, normally or not: nothing handed over now would be written */
    private volatile boolean ended;
    /** set by a stop: a write that fails from now on is given up, not retried without end */
    private volatile boolean stopping;
    /** events of batches given up at a stop because their write failed */
    private volatile long eventsGivenUp;

    private boolean markerFailureLogged;

    CommitLoop(StoreWriter writer, ServerMetrics metrics, EventLog log, LongSupplier nowMicros) {
        this.writer = writer;
        this.metrics = metrics;
        this.log = log;
        this.nowMicros = nowMicros;
    }

    /** Called by the ledger thread only: true when a batch handed over now would be taken. */
    boolean hasRoom() {
        return !ended && queue.remainingCapacity() > 0;
    }

    /**
     * True while writes fail (disk full, say): then the ledger must not wait for the writer,
     * or every client would stall behind the disk.
     */
    boolean failing() {
        return failing;
    }

    /** Blocks until a batch handed over would be taken. */
    void awaitRoom() throws InterruptedException {
        awaitRoom(Long.MAX_VALUE);
    }

    /** Blocks until a batch handed over would be taken, or the writer fails, or {@code timeoutMs} passed. */
    void awaitRoom(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.min(timeoutMs, 1L << 40));
        synchronized (queue) {
            while (queue.remainingCapacity() == 0 && !failing && !ended && System.nanoTime() < deadline) {
                queue.wait(100);
            }
        }
    }

    /** A large reap may commit for seconds; ingest goes on meanwhile, bounded by event count only. */
    boolean writingReap() {
        return writingReap;
    }

    void submit(CommitBatch batch) throws InterruptedException {
        queue.put(batch);
    }

    /**
     * Ends the thread once the batches handed over before are written. A write that fails
     * from now on is not retried: the stop says what it could not commit.
     *
     * @return false when the writer did not take the stop within {@code timeoutMs} (it is gone, or stuck)
     */
    boolean stop(long timeoutMs) throws InterruptedException {
        stopping = true;
        return !ended && queue.offer(STOP, timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** True once the writer's thread has ended: a batch handed over now would never be written. */
    boolean ended() {
        return ended;
    }

    long eventsGivenUp() {
        return eventsGivenUp;
    }

    @Override
    public void run() {
        try {
            while (true) {
                CommitBatch batch = queue.take();
                synchronized (queue) {
                    queue.notifyAll();
                }
                if (batch == STOP) {
                    return;
                }
                writingReap = !batch.reaps.isEmpty();
                try {
                    if (!writeUntilCommitted(batch)) {
                        eventsGivenUp += batch.events;
                    }
                } finally {
                    writingReap = false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended = true;
            synchronized (queue) {
                queue.notifyAll();
            }
        }
    }

    /** @return false when the daemon stops while the write still fails: the batch is given up */
    private boolean writeUntilCommitted(CommitBatch batch) throws InterruptedException {
        long pause = FIRST_RETRY_MS;
        long failures = 0;
        long lastReportMs = 0;
        while (true) {
            try {
                long started = System.nanoTime();
                writer.write(batch);
                noteMarkerFailure();
                long tookMicros = (System.nanoTime() - started) / 1000;
                metrics.lastCommitDurationMicros.set(tookMicros);
                metrics.maxCommitDurationMicros.accumulateAndGet(tookMicros, Math::max);
                log.detail("commit: " + batch.events + " events, " + batch.segments.size() + " live-set segments, "
                        + batch.chunks.size() + " history chunks in "
                        + tookMicros / 1000 + " ms");
                break;
            } catch (RuntimeException e) {
                failing = true;
                failures++;
                metrics.storageFailures.incrementAndGet();
                long nowMs = System.currentTimeMillis();
                // once when it starts, then a reminder a minute: a full disk must not flood the log
                if (failures == 1 || nowMs - lastReportMs >= STORAGE_REMINDER_MS) {
                    String error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
                    log.info((failures == 1 ? "storage error" : "storage still failing after " + failures + " attempts")
                            + ": " + error + "; holding the uncommitted events in memory (history beyond "
                            + (Ledger.MAX_PENDING_HISTORY_BYTES >> 20) + " MiB is dropped and counted), QUERY still "
                            + "answered, retrying");
                    lastReportMs = nowMs;
                }
                if (stopping) {
                    log.info("stopping while the database fails: a batch of " + batch.events
                            + " events is not committed");
                    return false;
                }
                Thread.sleep(pause); // back-off between retries of a failing disk, not a wait for an event
                pause = Math.min(pause * 2, MAX_RETRY_MS);
            }
        }
        failing = false;
        if (failures > 0) {
            log.info("storage recovered after " + failures + " failed attempts: committed the " + batch.events
                    + " events held");
        }
        long now = nowMicros.getAsLong();
        metrics.eventsCommitted.addAndGet(batch.events);
        metrics.commits.incrementAndGet();
        metrics.lastCommitMicros.set(now);
        if (batch.oldestEventMicros > 0) {
            long lag = now - batch.oldestEventMicros;
            metrics.lastCommitLagMicros.set(lag);
            metrics.maxCommitLagMicros.accumulateAndGet(lag, Math::max);
        }
        CommitBatch next = queue.peek();
        metrics.writerOldestMicros = next == null ? 0 : next.oldestEventMicros;
        runCallbacks(batch.onCommit);
        return true;
    }

    /** Said once: without the marker, a rollback of the file would go unnoticed at the next start. */
    private void noteMarkerFailure() {
        String failure = writer.markerFailure();
        if (failure != null && !markerFailureLogged) {
            markerFailureLogged = true;
            log.info("cannot keep the last commit number beside the database (" + failure + "): a rollback of the"
                    + " file would go unnoticed at the next start");
        }
    }

    private void runCallbacks(List<Runnable> callbacks) {
        for (Runnable callback : callbacks) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                log.info("commit callback failed: " + e);
            }
        }
    }
}
