package tracker.cli;

import tracker.store.EventChunkCodec;

/**
 * Which events {@code tracker history} shows: a time range (inclusive, in microseconds),
 * and optionally one process, device or buffer. Immutable, thread-safe.
 *
 * @param pid      host pid, or null for every process
 * @param device   device id, or null for every device
 * @param bufferId buffer id, or null for every buffer
 * @param from     first time shown, {@link Long#MIN_VALUE} when unbounded
 * @param to       last time shown, {@link Long#MAX_VALUE} when unbounded
 * @param tags     the tags the process must have (none: every process)
 */
record HistoryFilter(Integer pid, Integer device, Long bufferId, long from, long to, TagFilter tags) {

    boolean hasFrom() {
        return from != Long.MIN_VALUE;
    }

    boolean hasTo() {
        return to != Long.MAX_VALUE;
    }

    /** Whether a chunk's event count is its count of shown events, given where the chunk lies. */
    boolean takesWholeChunk(long firstMicros, long lastMicros) {
        return device == null && bufferId == null && firstMicros >= from && lastMicros <= to;
    }

    boolean matches(EventChunkCodec.Cursor event) {
        long micros = event.receivedMicros();
        return micros >= from && micros <= to
                && (device == null || event.deviceId() == device)
                && (bufferId == null || event.bufferId() == bufferId);
    }

    /** The same filter from {@code micros} on, when that is later than its own start. */
    HistoryFilter startingAt(long micros) {
        return micros <= from ? this : new HistoryFilter(pid, device, bufferId, micros, to, tags);
    }
}
