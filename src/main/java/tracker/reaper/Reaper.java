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
    /** processes to look at after a disconnect, soonest first */
    private volatile java.util.function.Consumer<Error> onError = error -> { };
    private final java.util.PriorityQueue<Check> checks =
            new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Check::dueNanos));

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

    /**
     * Starts the periodic pass.
     *
     * @param onError told of an Error in a pass (out of memory, say): the reaper cannot be trusted
     *                to go on, and the daemon around it stops. A failing pass (an exception) is
     *                logged and the schedule goes on: the next pass does the work again.
     */
    public void start(long intervalMs, java.util.function.Consumer<Error> onError) {
        this.onError = onError;
        scheduler.scheduleWithFixedDelay(() -> guarded(this::reapNow), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Starts the periodic pass; an Error in a pass is only logged. */
    public void start(long intervalMs) {
        start(intervalMs, error -> log.info("reaper pass failed: " + error));
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
        long now = System.nanoTime();
        boolean any = false;
        synchronized (checks) {
            for (ProcessRow process : processes) {
                if (process.pid() != null && process.pid() > 0) {
                    checks.add(new Check(process, 0, now));
                    any = true;
                }
            }
        }
        if (any) {
            scheduleChecks(0);
        }
    }

    /**
     * Reaps these unresolved processes soon, without asking {@code /proc}: nothing can say
     * they live any more (the connections that reported them have closed, and their peer is
     * unknown). Reason {@link ReapReason#CONNECTION_CLOSED}.
     */
    public void reapOrphans(List<ProcessRow> processes) {
        if (processes.isEmpty()) {
            return;
        }
        List<ProcessRow> orphans = List.copyOf(processes);
        try {
            scheduler.execute(() -> guarded(() -> reapGiven(orphans, ReapReason.CONNECTION_CLOSED)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: the next start-up pass reaps them
        }
    }

    /** A process to look at when {@code dueNanos} comes; {@code attempt} indexes {@link #RECHECK_DELAYS_MS}. */
    private record Check(ProcessRow process, int attempt, long dueNanos) {
    }

    private void scheduleChecks(long delayMs) {
        try {
            scheduler.schedule(() -> guarded(this::runDueChecks), delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /**
     * Takes every check that is due, not just one: when many clients exit together (a CI job
     * ending), their reaps go to the ledger together and share commits, instead of each
     * waiting for its own.
     */
    private void runDueChecks() {
        long now = System.nanoTime();
        List<Check> due = new ArrayList<>();
        synchronized (checks) {
            while (!checks.isEmpty() && checks.peek().dueNanos() <= now) {
                due.add(checks.poll());
            }
        }
        if (due.isEmpty()) {
            return;
        }
        List<ProcessRow> dead = new ArrayList<>();
        for (Check check : due) {
            if (!liveness(check.process()).equals(Liveness.ALIVE)) {
                dead.add(check.process());
                continue;
            }
            int next = check.attempt() + 1;
            if (next < RECHECK_DELAYS_MS.length) {
                synchronized (checks) {
                    checks.add(new Check(check.process(), next,
                            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECHECK_DELAYS_MS[next])));
                }
                scheduleChecks(RECHECK_DELAYS_MS[next]);
            }
        }
        if (!dead.isEmpty()) {
            reapDead(dead, null);
        }
    }

    private synchronized List<ReapRecord> reapDead(List<ProcessRow> candidates, ReapReason forcedReason) {
        Map<ProcessRow, ReapReason> dead = new LinkedHashMap<>();
        for (ProcessRow process : candidates) {
            if (forcedReason != null && process.pid() == null) {
                // unresolved, from a daemon that stopped: the connections that reported it are gone
                dead.put(process, ReapReason.CONNECTION_CLOSED);
                continue;
            }
            Liveness liveness = liveness(process);
            if (liveness != Liveness.ALIVE && liveness != Liveness.UNKNOWN) {
                dead.put(process, forcedReason != null ? forcedReason : ReapReason.of(liveness));
            }
        }
        return reap(dead);
    }

    private synchronized List<ReapRecord> reapGiven(List<ProcessRow> processes, ReapReason reason) {
        Map<ProcessRow, ReapReason> given = new LinkedHashMap<>();
        processes.forEach(process -> given.put(process, reason));
        return reap(given);
    }

    private List<ReapRecord> reap(Map<ProcessRow, ReapReason> dead) {
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
        // an unresolved process is shown by the pid it reported, as the original server did
        int pid = record.process().pid() != null ? record.process().pid() : record.process().reportedPid();
        StringBuilder text = new StringBuilder();
        text.append("   PID ").append(pid).append(" is dead, removing its buffers...\n");
        ReapRecord.KindTotals totals = record.kindTotals();
        appendRemoved(text, totals, "BUFFER", "buffers", pid);
        appendRemoved(text, totals, "CB", "CBs", pid);
        appendRemoved(text, totals, "KERNEL", "kernels", pid);
        log.verbatim(text.toString());
        log.info("reaped pid " + pid + " (" + record.reason().toLowerCase(java.util.Locale.ROOT) + "): "
                + record.held().size() + " records, " + record.process().command());
    }

    private static void appendRemoved(StringBuilder text, ReapRecord.KindTotals totals, String kind, String noun,
                                      int pid) {
        long count = totals.count(kind);
        if (count > 0 || kind.equals("BUFFER")) {
            text.append("   ✓ Removed ").append(count).append(' ').append(noun).append(" (")
                    .append(SeedFormat.megabytes(totals.bytes(kind))).append(") from PID ").append(pid).append('\n');
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
        } catch (Error e) {
            // swallowed by the scheduler otherwise: the reaper would silently never run again
            onError.accept(e);
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
