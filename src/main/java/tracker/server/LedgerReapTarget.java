package tracker.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import tracker.reaper.ReapReason;
import tracker.reaper.ReapTarget;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;

/** Reaps through the running daemon's ledger, so ingest and reaps never race. */
final class LedgerReapTarget implements ReapTarget {

    private static final long COMMIT_WAIT_SECONDS = 5;

    private final ServerContext context;

    LedgerReapTarget(ServerContext context) {
        this.context = context;
    }

    @Override
    public List<ProcessRow> processesHoldingRecords() {
        CompletableFuture<List<ProcessRow>> answer = new CompletableFuture<>();
        submit(new LedgerTask.Holders(answer));
        return await(answer);
    }

    @Override
    public List<ReapRecord> reap(Map<ProcessRow, ReapReason> dead) {
        List<CompletableFuture<ReapRecord>> applied = new ArrayList<>();
        List<CompletableFuture<ReapRecord>> commits = new ArrayList<>();
        dead.forEach((process, reason) -> {
            CompletableFuture<ReapRecord> done = new CompletableFuture<>();
            CompletableFuture<ReapRecord> committed = new CompletableFuture<>();
            submit(new LedgerTask.Reap(process.id(), reason.name(), done, committed));
            applied.add(done);
            commits.add(committed);
        });
        List<ReapRecord> reaped = new ArrayList<>();
        // one wait for the whole pass: the reaps of a pass share commits, so they land together
        long deadlineNanos = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(COMMIT_WAIT_SECONDS);
        for (int i = 0; i < commits.size(); i++) {
            ReapRecord record = awaitCommitOrApplied(commits.get(i), applied.get(i), deadlineNanos);
            if (record != null) {
                reaped.add(record);
            }
        }
        return reaped;
    }

    /**
     * Normally returns once the audit is committed. While the disk fails that may take long:
     * then the records are already out of the live set, the audit commits with the writer's
     * retry, and the reaper must not wait for it (later reaps would queue behind).
     */
    private static ReapRecord awaitCommitOrApplied(CompletableFuture<ReapRecord> committed,
                                                   CompletableFuture<ReapRecord> applied, long deadlineNanos) {
        try {
            return committed.get(Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return await(applied);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void submit(LedgerTask task) {
        try {
            context.enqueue(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
