package tracker.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import tracker.log.EventLog;
import tracker.reaper.ReapReason;
import tracker.store.CommitBatch;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;

/**
 * The ledger thread ({@code tracker-ledger}): drains the ingest queue into the
 * {@link Ledger}, answers queries, and hands a batch to the writer every commit interval
 * (at once for a reap or a flush). It never touches the database itself, so a slow disk
 * never delays a QUERY reply.
 */
final class LedgerLoop implements Runnable {

    private static final int DRAIN_MAX = 1024;
    /**
     * Past this many uncommitted events, or {@link #MAX_BATCH_WINDOWS} commit windows of age,
     * the ledger stops reading the queue until the writer takes its batch: clients then wait
     * in send() rather than the daemon falling further behind, which bounds what a kill -9
     * can lose. (Not while writes fail: then it keeps serving and holds what it can.)
     */
    static final long MAX_BATCH_EVENTS = 250_000;
    static final int MAX_BATCH_WINDOWS = 1;

    /** Traffic seen this recently keeps the ledger in its busy (napping) mode. */
    private static final long BUSY_WINDOW_NANOS = 20_000_000;
    /**
     * Events pending and no traffic for this long: commit now rather than at the end of the
     * window. The end of a burst (a test run finishing, a process about to crash) becomes
     * durable within tens of milliseconds; under steady traffic the window still groups.
     */
    static final long QUIET_CUT_NANOS = 25_000_000;
    /** How often the ledger copies its figures out for metrics scrapes (see {@link LiveFigures}). */
    static final long FIGURES_INTERVAL_NANOS = 200_000_000;

    private final IngestQueue ingest;
    private final Ledger ledger;
    private final CommitLoop writer;
    private final DumpPrinter dumps;
    private final DeviceCatalog devices;
    private final ServerMetrics metrics;
    private final EventLog log;
    private final LongSupplier nowMicros;
    private final long commitIntervalMicros;
    private long nextReapId;

    private final ProcessRegistry registry;
    /** run once the batch they were added to is committed */
    private final List<java.util.function.Consumer<CommitBatch>> pendingCallbacks = new ArrayList<>();
    private long nextCutMicros;
    private long lastTrafficNanos;
    private boolean cutRequested;
    private long lastFiguresNanos;
    /**
     * Reaps of dead processes waiting for a connection that reported for them to be read to
     * its end (see {@link #stillDraining}); retried on every pass, each within its grace period.
     */
    private final List<LedgerTask.Reap> deferredReaps = new ArrayList<>();
    /** processes reaped with something to audit since this daemon started */
    private long reapsThisRun;
    private RecentActivity activity;
    /** what tracker top draws the bars against */
    private final GroupCapacities capacities;

    LedgerLoop(IngestQueue ingest, Ledger ledger, CommitLoop writer, DumpPrinter dumps,
               DeviceCatalog devices, GroupCapacities capacities, ServerMetrics metrics, EventLog log,
               LongSupplier nowMicros, long commitIntervalMs, long nextReapId, ProcessRegistry registry) {
        this.capacities = capacities;
        this.registry = registry;
        this.ingest = ingest;
        this.ledger = ledger;
        this.writer = writer;
        this.dumps = dumps;
        this.devices = devices;
        this.metrics = metrics;
        this.log = log;
        this.nowMicros = nowMicros;
        this.commitIntervalMicros = commitIntervalMs * 1000;
        this.nextReapId = nextReapId;
        loadWhatTheLoopUsesLater();
    }

    /**
     * Runs the loop's periodic work once, and names the records it makes only once there is
     * data, before any client connects. At the file-descriptor limit a class not loaded yet
     * cannot be loaded where each class is a file of its own (the daemon run from its build's
     * classes): the ledger thread died of it when its first figures came after a flood of
     * connections. Runs on the thread that starts the loop.
     */
    private void loadWhatTheLoopUsesLater() {
        long now = nowMicros.getAsLong();
        activity = new RecentActivity(now, ledger.events());
        activity.note(now, ledger.events(), reapsThisRun);
        metrics.liveFigures = ledger.figures(LiveFigures.TOP_HOLDERS, now);
        TopFiguresReader.of(ledger, capacities, activity, reapsThisRun, now);
        // naming a class loads it
        List.of(LiveFigures.Group.class, LiveFigures.Holder.class, LiveFigures.Reaps.class, TopFigures.Group.class,
                TopFigures.Holder.class, PeakSlots.class);
    }

    @Override
    public void run() {
        List<Object> drained = new ArrayList<>(DRAIN_MAX);
        nextCutMicros = nowMicros.getAsLong() + commitIntervalMicros;
        try {
            while (true) {
                if (mustWaitForWriter()) {
                    writer.awaitRoom();
                    // the writer may have started failing meanwhile: then never block on it
                    if (writer.hasRoom()) {
                        submitCut();
                        nextCutMicros = nowMicros.getAsLong() + commitIntervalMicros;
                    }
                }
                if (ingest.drainTo(drained, DRAIN_MAX) == 0) {
                    long wait = Math.max(1, nextCutMicros - nowMicros.getAsLong());
                    if (ledger.pendingEvents() > 0) {
                        wait = Math.min(wait, Math.max(1, (QUIET_CUT_NANOS - (System.nanoTime() - lastTrafficNanos)) / 1000));
                    }
                    ingest.await(System.nanoTime() - lastTrafficNanos < BUSY_WINDOW_NANOS, wait, TimeUnit.MICROSECONDS);
                    ingest.drainTo(drained, DRAIN_MAX);
                }
                if (!drained.isEmpty()) {
                    lastTrafficNanos = System.nanoTime();
                    for (Object item : drained) {
                        if (item instanceof LedgerTask.Stop) {
                            finish();
                            return;
                        }
                        handle(item);
                    }
                    drained.clear();
                }
                if (!deferredReaps.isEmpty()) {
                    retryDeferredReaps();
                }
                metrics.queueDepth = ingest.size();
                metrics.eventsApplied = ledger.events();
                publishFigures();
                activity.note(nowMicros.getAsLong(), ledger.events(), reapsThisRun);
                maybeCut();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // whoever waits on what this pass held must not wait for an answer that never comes;
            // the daemon is told by the thread's guard and stops
            IllegalStateException gone = new IllegalStateException("the daemon's ledger failed: " + e);
            drained.forEach(item -> LedgerTask.abandon(item, gone));
            deferredReaps.forEach(item -> LedgerTask.abandon(item, gone));
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private void handle(Object item) {
        if (item instanceof List<?> list) {
            for (Event event : (List<Event>) list) {
                ledger.apply(event);
            }
            metrics.ledgerOldestMicros = ledger.oldestPendingMicros();
            return;
        }
        if (item instanceof LedgerTask.Query query) {
            query.answer().complete(ledger.totals(query.deviceId()));
        } else if (item instanceof LedgerTask.DeviceInfoQuery query) {
            query.answer().complete(query.deviceId() < 0
                    ? devices.summary(ledger.devicesSeen())
                    : devices.infoOf(query.deviceId(), ledger.devicesSeen()));
        } else if (item instanceof LedgerTask.Dump dump) {
            log.verbatim(dump.kernels() ? dumps.kernels(ledger.liveRecords()) : dumps.buffers(ledger.liveRecords()));
            dump.done().complete(null);
        } else if (item instanceof LedgerTask.Top top) {
            top.answer().complete(TopFiguresReader.of(ledger, capacities, activity, reapsThisRun, nowMicros.getAsLong()));
        } else if (item instanceof LedgerTask.Holders holders) {
            holders.answer().complete(ledger.processesHoldingRecords().stream().map(ProcessRecord::livenessRow).toList());
        } else if (item instanceof LedgerTask.Reap reap) {
            reap(reap);
        } else if (item instanceof LedgerTask.Prune prune) {
            ledger.pruneBefore(prune.cutoffMicros());
            pendingCallbacks.add(batch -> prune.done().complete(batch.pruneResult));
            cutRequested = true;
        } else if (item instanceof LedgerTask.Flush flush) {
            pendingCallbacks.add(batch -> flush.committed().complete(null));
            cutRequested = true;
        } else if (item instanceof LedgerTask.Run run) {
            if (run.afterCommit()) {
                pendingCallbacks.add(batch -> run.work().run());
                cutRequested = true;
            } else {
                run.work().run();
            }
        } else {
            throw new IllegalStateException("unexpected ingest item " + item);
        }
    }

    private void reap(LedgerTask.Reap task) {
        ProcessRecord process = ledger.process(task.processId());
        if (process != null && !process.identity.resolved() && process.openConnections.get() > 0) {
            // a connection reports for it again since the reaper looked: it lives while that
            // connection is open; the reaper looks again when it closes. (A resolved process is
            // dead when /proc says so: reaped now, with every frame read before this task; those
            // still arriving for it are counted and dropped by the ledger.)
            task.applied().complete(null);
            task.committed().complete(null);
            return;
        }
        if (process != null && process.identity.resolved() && stillDraining(process)) {
            // dead, but a connection it reported on may still hold its last frames (its frees,
            // unread while ingest is busy): reaped once the ledger has that connection's every
            // frame, or when the grace period ends (a child that inherited the socket keeps it open)
            deferredReaps.add(task);
            return;
        }
        // an unresolved process is judged by its connections and its peer, never by itself
        String reason = process == null || process.identity.resolved() ? task.reason()
                : ReapReason.CONNECTION_CLOSED.name();
        ReapRecord record = process == null ? null
                : ledger.reap(process, reason, nextReapId, nowMicros.getAsLong());
        if (process != null) {
            registry.forget(process);
        }
        task.applied().complete(record);
        if (record == null) {
            task.committed().complete(null);
            return;
        }
        nextReapId++;
        reapsThisRun++;
        pendingCallbacks.add(batch -> task.committed().complete(record));
        cutRequested = true;
    }

    /** Reaps the deferred processes whose connections are drained now, or whose grace period is over. */
    private void retryDeferredReaps() {
        List<LedgerTask.Reap> waiting = new ArrayList<>(deferredReaps);
        deferredReaps.clear();
        for (LedgerTask.Reap task : waiting) {
            reap(task); // deferred again while still draining
        }
    }

    /**
     * Whether a reap of this dead process waits for a connection that reported for it: while
     * one is open and undrained, for at most {@link #DRAIN_GRACE_NANOS} from the first time.
     */
    private static boolean stillDraining(ProcessRecord process) {
        if (process.undrainedConnections.get() <= 0) {
            return false;
        }
        long now = System.nanoTime();
        if (process.reapPutOffSinceNanos == 0) {
            process.reapPutOffSinceNanos = now;
        }
        return now - process.reapPutOffSinceNanos < DRAIN_GRACE_NANOS;
    }

    /**
     * Copies the ledger's figures for scrapes, every {@link #FIGURES_INTERVAL_NANOS} at most: a
     * scrape then reads a published copy and never waits for this thread (nor this thread for
     * it), at the price of figures up to that old (or one commit interval when idle).
     */
    private void publishFigures() {
        if (!metrics.liveFiguresWanted) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastFiguresNanos >= FIGURES_INTERVAL_NANOS) {
            lastFiguresNanos = now;
            metrics.liveFigures = ledger.figures(LiveFigures.TOP_HOLDERS, nowMicros.getAsLong());
        }
    }

    private boolean mustWaitForWriter() {
        if (writer.failing() || writer.ended() || ledger.pendingEvents() == 0 || writer.hasRoom()) {
            return false;
        }
        if (ledger.pendingEvents() > MAX_BATCH_EVENTS) {
            return true;
        }
        // a reap being committed must not stall the clients: only the event bound applies then
        long age = nowMicros.getAsLong() - ledger.oldestPendingMicros();
        return !writer.writingReap() && age > MAX_BATCH_WINDOWS * commitIntervalMicros;
    }

    private void maybeCut() throws InterruptedException {
        long now = nowMicros.getAsLong();
        boolean quiet = ledger.pendingEvents() > 0 && System.nanoTime() - lastTrafficNanos > QUIET_CUT_NANOS;
        if (!cutRequested && !quiet && now < nextCutMicros) {
            return;
        }
        // a busy writer (slow or failing disk) leaves the changes here to merge into the next batch
        if (!writer.hasRoom()) {
            return;
        }
        submitCut();
        nextCutMicros = now + commitIntervalMicros;
    }

    private void submitCut() throws InterruptedException {
        CommitBatch batch = ledger.cut();
        for (java.util.function.Consumer<CommitBatch> callback : pendingCallbacks) {
            batch.onCommit.add(() -> callback.accept(batch));
        }
        pendingCallbacks.clear();
        cutRequested = false;
        metrics.ledgerOldestMicros = 0;
        if (!batch.isEmpty() || !batch.onCommit.isEmpty()) {
            metrics.writerOldestMicros = batch.oldestEventMicros;
            writer.submit(batch);
        }
    }

    /**
     * How long a dead process's reap waits for a connection that reported for it to be read to
     * its end. A socket whose writer died is read to its end in milliseconds, or seconds under
     * heavy ingest; one still open after this is held by another process (a child that
     * inherited it), which must not keep a dead process's memory counted.
     */
    static final long DRAIN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** How long the last batch may wait for the writer to take it (it may be writing a large one). */
    private static final long FINISH_WAIT_MS = 20_000;

    private void finish() throws InterruptedException {
        // reaps still waiting for a connection are left to the next start's pass, which reaps the dead
        for (LedgerTask.Reap task : deferredReaps) {
            task.applied().complete(null);
            task.committed().complete(null);
        }
        deferredReaps.clear();
        if (!writer.hasRoom()) {
            writer.awaitRoom(FINISH_WAIT_MS);
        }
        if (writer.hasRoom()) {
            submitCut();
        } else {
            log.info("the writer took no batch for " + FINISH_WAIT_MS / 1000 + " s: the last " + ledger.pendingEvents()
                    + " events are not committed");
        }
        writer.stop(FINISH_WAIT_MS);
    }
}
