package tracker.cli;

import tracker.store.EventChunkCodec;
import tracker.store.HistoryEvent;

/**
 * One stored history chunk being read by a merge: its bytes and a cursor on its next shown
 * event. Chunks hold one process's events of one commit window in the order received, so a
 * cursor moves forward in time. Not thread-safe.
 */
final class HistoryChunk {

    /**
     * Merge order: time, then rank (events of one microsecond as the daemon received them, across
     * processes), then chunks as stored (first event time, id): the order of a stable sort.
     */
    static final java.util.Comparator<HistoryChunk> ORDER = java.util.Comparator
            .comparingLong(HistoryChunk::micros)
            .thenComparingInt(chunk -> chunk.cursor.rank())
            .thenComparingLong(chunk -> chunk.firstMicros)
            .thenComparingLong(chunk -> chunk.id);

    /** A chunk as read from {@code event_chunks}: {@code encoding} says the version of {@code data}. */
    record Row(long id, long processId, Integer pid, long firstMicros, int encoding, byte[] data) {
    }

    private final long id;
    private final long processId;
    private final Integer pid;
    private final long firstMicros;
    private final EventChunkCodec.Cursor cursor;
    private final HistoryFilter filter;

    HistoryChunk(Row row, HistoryFilter filter) {
        this.id = row.id();
        this.processId = row.processId();
        this.pid = row.pid();
        this.firstMicros = row.firstMicros();
        this.cursor = new EventChunkCodec.Cursor(row.data(), row.encoding());
        this.filter = filter;
    }

    /** Moves to the next event the filter shows; false when the chunk has none left. */
    boolean advance() {
        while (cursor.next()) {
            if (filter.matches(cursor)) {
                return true;
            }
        }
        return false;
    }

    long micros() {
        return cursor.receivedMicros();
    }

    HistoryEvent event() {
        return cursor.event(processId, pid);
    }

    /** How many events of {@code data} the filter shows. */
    static long count(byte[] data, int encoding, HistoryFilter filter) {
        EventChunkCodec.Cursor cursor = new EventChunkCodec.Cursor(data, encoding);
        long count = 0;
        while (cursor.next()) {
            if (filter.matches(cursor)) {
                count++;
            }
        }
        return count;
    }
}
