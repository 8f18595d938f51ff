package tracker.reaper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tracker.log.EventLog;
import tracker.log.SeedFormat;
import tracker.proc.Liveness;
import tracker.proc.ProcessProbe;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;

/**
 * Finds processes that died without freeing and has their records removed, with an audit
 * record. Runs every interval, right after a client disconnects, before each dump, and at
 * start-up. Passes are serialised; a failing pass is logged and the schedule goes on.
 * Thread-safe.
 */
public final class Reaper implements AutoCloseable {

    /**
     * After a disconnect the process may still be exiting (its sockets close before it
     * becomes a zombie): look again at these delays, then leave it to the periodic pass.
     */
    private static final long[] RECHECK_DELAYS_MS = {0, 20, 50, 100, 200, 400, 800, 1600, 3200};

    private final ReapTarget target;
    private final ProcessProbe probe;
    private final EventLog log;
    private final java.util.function.LongSupplier nowMicros;
    private final ScheduledExecutorService scheduler;

    public Reaper(ReapTarget target, ProcessProbe probe, EventLog log, java.util.function.LongSupplier nowMicros) {
        this.target = target;
        this.probe = probe;
        this.log = log;
        this.nowMicros = nowMicros;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tracker-reaper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts the periodic pass. */
    public void start(long intervalMs) {
        scheduler.scheduleWithFixedDelay(() -> guarded(this::reapNow), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** One pass over every process that holds records; returns what was reaped. */
    public List<ReapRecord> reapNow() {
        return reapDead(target.processesHoldingRecords(), null);
    }

    /** A pass in which every dead process is reaped with {@code reason}: the start-up pass. */
    public List<ReapRecord> reapNow(ReapReason reason) {
        return reapDead(target.processesHoldingRecords(), reason);
    }

    /** Checks these processes now and a few times more over the next seconds. */
    public void checkSoon(List<ProcessRow> processes) {
        List<ProcessRow> resolved = processes.stream().filter(p -> p.pid() != null && p.pid() > 0).toList();
        if (!resolved.isEmpty()) {
            scheduleCheck(resolved, 0);
        }
    }

    private void scheduleCheck(List<ProcessRow> processes, int attempt) {
        if (attempt >= RECHECK_DELAYS_MS.length || scheduler.isShutdown()) {
            return;
        }
        try {
            scheduler.schedule(() -> guarded(() -> {
                List<ProcessRow> alive = new ArrayList<>();
                List<ProcessRow> dead = new ArrayList<>();
                for (ProcessRow process : processes) {
                    (liveness(process).equals(Liveness.ALIVE) ? alive : dead).add(process);
                }
                if (!dead.isEmpty()) {
                    reapDead(dead, null);
                }
                if (!alive.isEmpty()) {
                    scheduleCheck(alive, attempt + 1);
                }
            }), RECHECK_DELAYS_MS[attempt], TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    private synchronized List<ReapRecord> reapDead(List<ProcessRow> candidates, ReapReason forcedReason) {
        Map<ProcessRow, ReapReason> dead = new LinkedHashMap<>();
        for (ProcessRow process : candidates) {
            Liveness liveness = liveness(process);
            if (liveness != Liveness.ALIVE && liveness != Liveness.UNKNOWN) {
                dead.put(process, forcedReason != null ? forcedReason : ReapReason.of(liveness));
            }
        }
        if (dead.isEmpty()) {
            return List.of();
        }
        List<ReapRecord> reaped = target.reap(dead);
        if (!reaped.isEmpty()) {
            log.verbatim("⚠️  Detected dead processes, cleaning up orphaned buffers...");
            reaped.forEach(this::logReap);
        }
        return reaped;
    }

    private Liveness liveness(ProcessRow process) {
        if (process.pid() == null || process.startTicks() == null) {
            return Liveness.UNKNOWN;
        }
        return probe.probe(process.pid(), process.startTicks(), process.bootId());
    }

    private void logReap(ReapRecord record) {
        int pid = record.process().pid();
        StringBuilder text = new StringBuilder();
        text.append("   PID ").append(pid).append(" is dead, removing its buffers...\n");
        appendRemoved(text, record, "BUFFER", "buffers", pid);
        appendRemoved(text, record, "CB", "CBs", pid);
        appendRemoved(text, record, "KERNEL", "kernels", pid);
        log.verbatim(text.toString());
        log.info("reaped pid " + pid + " (" + record.reason().toLowerCase(java.util.Locale.ROOT) + "): "
                + record.held().size() + " records, " + record.process().command());
    }

    private static void appendRemoved(StringBuilder text, ReapRecord record, String kind, String noun, int pid) {
        long count = record.count(kind);
        if (count > 0 || kind.equals("BUFFER")) {
            text.append("   ✓ Removed ").append(count).append(' ').append(noun).append(" (")
                    .append(SeedFormat.megabytes(record.bytes(kind))).append(") from PID ").append(pid).append('\n');
        }
    }

    private void guarded(Runnable pass) {
        try {
            pass.run();
        } catch (RuntimeException e) {
            if (scheduler.isShutdown()) {
                return; // interrupted by the stop: the next start-up pass finishes the job
            }
            // a task that throws is never run again by the scheduler: log and carry on
            log.info("reaper pass failed: " + e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                log.info("reaper did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
