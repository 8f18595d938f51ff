package tracker.server;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;
import tracker.wire.DeviceInfo;
import tracker.wire.DeviceTotals;

/**
 * What the ingest queue carries to the ledger thread besides event lists. Tasks are applied
 * in queue order, so an answer reflects every frame its connection sent before it.
 */
sealed interface LedgerTask {

    record Query(int deviceId, CompletableFuture<DeviceTotals> answer) implements LedgerTask {
    }

    record DeviceInfoQuery(int deviceId, CompletableFuture<DeviceInfo> answer) implements LedgerTask {
    }

    /** Prints the remaining buffers (or kernels) on the daemon's output. */
    record Dump(boolean kernels, CompletableFuture<Void> done) implements LedgerTask {
    }

    record Holders(CompletableFuture<List<ProcessRow>> answer) implements LedgerTask {
    }

    /** What {@code tracker top} shows, read from memory in queue order. */
    record Top(CompletableFuture<TopFigures> answer) implements LedgerTask {
    }

    /**
     * {@code applied} completes when the records are gone from the live set (QUERY no longer
     * counts them), {@code committed} once the audit is in the database; both null when
     * nothing was held.
     */
    record Reap(long processId, String reason, CompletableFuture<ReapRecord> applied,
                CompletableFuture<ReapRecord> committed) implements LedgerTask {
    }

    /** Cuts the batch now; completes once everything before it is committed. */
    record Flush(CompletableFuture<Void> committed) implements LedgerTask {
    }

    /** Prunes history and audit older than the cutoff, in the writer's next transaction. */
    record Prune(long cutoffMicros, CompletableFuture<tracker.store.PruneResult> done) implements LedgerTask {
    }

    /** Commits what is pending and ends the ledger thread. */
    record Stop() implements LedgerTask {
    }

    /**
     * Runs {@code work} on the ledger thread in queue order ({@code afterCommit} false), or on the
     * writer thread once everything before it is committed (true). Lets a test put a failure
     * exactly where a real one would strike; nothing that arrives on a socket makes one.
     */
    record Run(Runnable work, boolean afterCommit) implements LedgerTask {
    }

    /**
     * Fails whatever waits on {@code item}: the ledger died (or the daemon stops) before it
     * was answered. Nothing waits on event lists; a {@link Run} has no waiter.
     */
    static void abandon(Object item, Throwable cause) {
        if (item instanceof Query query) {
            query.answer().completeExceptionally(cause);
        } else if (item instanceof DeviceInfoQuery query) {
            query.answer().completeExceptionally(cause);
        } else if (item instanceof Dump dump) {
            dump.done().completeExceptionally(cause);
        } else if (item instanceof Top top) {
            top.answer().completeExceptionally(cause);
        } else if (item instanceof Holders holders) {
            holders.answer().completeExceptionally(cause);
        } else if (item instanceof Reap reap) {
            reap.applied().completeExceptionally(cause);
            reap.committed().completeExceptionally(cause);
        } else if (item instanceof Flush flush) {
            flush.committed().completeExceptionally(cause);
        } else if (item instanceof Prune prune) {
            prune.done().completeExceptionally(cause);
        }
    }
}
