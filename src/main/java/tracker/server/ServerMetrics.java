package tracker.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Live figures of a running daemon, for {@code tracker stats}. Thread-safe. */
public final class ServerMetrics {
    /** added to by every connection on every read: a LongAdder does not bounce one cache line */
    final java.util.concurrent.atomic.LongAdder framesReceived = new java.util.concurrent.atomic.LongAdder();
    final AtomicLong malformedFrames = new AtomicLong();
    /** events (frames that change the live set) handed to the ledger this run */
    final java.util.concurrent.atomic.LongAdder eventsReceived = new java.util.concurrent.atomic.LongAdder();
    /** frames whose process_id was not believed (see ClientConnection): their records are the peer's */
    final AtomicLong pidMismatches = new AtomicLong();
    /** tags a process had past the bounds (see TagSelection), dropped */
    final AtomicLong droppedTags = new AtomicLong();
    /** processes whose environment could not be read: they have no tags */
    final AtomicLong unreadableEnvirons = new AtomicLong();
    final AtomicLong connectionsAccepted = new AtomicLong();
    final AtomicInteger connectionsOpen = new AtomicInteger();
    final AtomicLong eventsCommitted = new AtomicLong();
    final AtomicLong commits = new AtomicLong();
    final AtomicLong lastCommitMicros = new AtomicLong();
    final AtomicLong lastCommitLagMicros = new AtomicLong();
    final AtomicLong maxCommitLagMicros = new AtomicLong();
    /** receive time of the oldest event in the ledger's open batch, 0 when none */
    volatile long ledgerOldestMicros;
    /** receive time of the oldest event handed to the writer and not yet committed, 0 when none */
    volatile long writerOldestMicros;
    final AtomicLong storageFailures = new AtomicLong();
    final AtomicLong lastCommitDurationMicros = new AtomicLong();
    final AtomicLong maxCommitDurationMicros = new AtomicLong();
    volatile int queueDepth;
    volatile long eventsApplied;
    /** published by the ledger thread (see {@link Ledger#figures}); read by metrics scrapes */
    volatile LiveFigures liveFigures = LiveFigures.NONE;
    /** whether anything reads {@link #liveFigures} (a metrics endpoint): else the ledger keeps them to itself */
    volatile boolean liveFiguresWanted;
    /** the shipper's lag behind the local commits (micros), or null when the daemon ships nowhere */
    volatile java.util.function.LongSupplier shipLag;

    /** A snapshot for reports. */
    public record Snapshot(long framesReceived, long malformedFrames, long connectionsAccepted, int connectionsOpen,
                           long eventsApplied, long eventsCommitted, long commits, long lastCommitMicros,
                           long lastCommitLagMicros, long maxCommitLagMicros, long commitLagMicros,
                           int queueDepth, long storageFailures, long lastCommitDurationMicros,
                           long maxCommitDurationMicros, long eventsReceived, long shipLagMicros) {
        /** -1 in {@link #shipLagMicros} when the daemon ships to no fleet store */
        public static final long NOT_SHIPPING = -1;
    }

    public Snapshot snapshot(long nowMicros) {
        long ledgerOldest = ledgerOldestMicros;
        long writerOldest = writerOldestMicros;
        long oldest = writerOldest == 0 ? ledgerOldest : ledgerOldest == 0 ? writerOldest : Math.min(ledgerOldest, writerOldest);
        return new Snapshot(framesReceived.sum(), malformedFrames.get(), connectionsAccepted.get(),
                connectionsOpen.get(), eventsApplied, eventsCommitted.get(), commits.get(), lastCommitMicros.get(),
                lastCommitLagMicros.get(), maxCommitLagMicros.get(), oldest == 0 ? 0 : Math.max(0, nowMicros - oldest),
                queueDepth, storageFailures.get(), lastCommitDurationMicros.get(), maxCommitDurationMicros.get(),
                eventsReceived.sum(), shipLag == null ? Snapshot.NOT_SHIPPING : shipLag.getAsLong());
    }
}
