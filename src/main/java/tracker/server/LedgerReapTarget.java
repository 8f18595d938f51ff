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
        List<CompletableFuture<ReapRecord>> commits = new ArrayList<>();
        dead.forEach((process, reason) -> {
            CompletableFuture<ReapRecord> committed = new CompletableFuture<>();
            submit(new LedgerTask.Reap(process.id(), reason.name(), committed));
            commits.add(committed);
        });
        List<ReapRecord> reaped = new ArrayList<>();
        for (CompletableFuture<ReapRecord> committed : commits) {
            ReapRecord record = await(committed);
            if (record != null) {
                reaped.add(record);
            }
        }
        return reaped;
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
