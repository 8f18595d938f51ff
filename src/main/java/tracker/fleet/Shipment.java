package tracker.fleet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one shipment carries from the local file to the fleet store, read from one local
 * snapshot and written in one PostgreSQL transaction, with the marks it moves to.
 */
final class Shipment {

    /** when the local snapshot was read (micros): once shipped whole, the store is this fresh */
    final long readAtMicros;
    /** true when a limit cut the shipment short: more is waiting */
    boolean limited;

    final List<Object[]> chunks = new ArrayList<>();
    long chunkMark;
    final List<Object[]> reaps = new ArrayList<>();
    final List<Object[]> reapTotals = new ArrayList<>();
    final List<Object[]> reapHoldings = new ArrayList<>();
    long reapMark;
    final List<Object[]> processes = new ArrayList<>();
    final List<Object[]> tags = new ArrayList<>();
    final List<Object[]> peaks = new ArrayList<>();
    /** per shipped process: its fingerprint while it lives, null once it ended */
    final Map<Long, String> processStates = new HashMap<>();
    long processMark;
    final List<Object[]> segmentInserts = new ArrayList<>();
    final List<ShipState.SegmentKey> segmentDeletes = new ArrayList<>();
    final List<Object[]> usageMinutes = new ArrayList<>();
    /** local counters whose value the store does not have yet (name, total) */
    final List<Object[]> counters = new ArrayList<>();
    long minuteMark;
    /** the minute mark this shipment was read from: moving it is something to write */
    private final long minuteMarkRead;
    /** events in the shipped chunks */
    long events;

    Shipment(long readAtMicros, ShipState state) {
        this.readAtMicros = readAtMicros;
        this.chunkMark = state.chunkMark;
        this.reapMark = state.reapMark;
        this.processMark = state.processMark;
        this.minuteMark = state.minuteMark;
        this.minuteMarkRead = state.minuteMark;
    }

    /**
     * Nothing to write but, perhaps, the minute still running (shipped again until it ends). A
     * minute mark that moves is not nothing: a minute read whole may have been shipped already
     * as it ran, with the same peaks, and the mark must still move past it.
     */
    boolean isEmpty() {
        return chunks.isEmpty() && reaps.isEmpty() && processes.isEmpty() && segmentInserts.isEmpty()
                && segmentDeletes.isEmpty() && usageMinutes.isEmpty() && counters.isEmpty()
                && minuteMark == minuteMarkRead;
    }
}
