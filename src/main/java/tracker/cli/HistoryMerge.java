package tracker.cli;

import java.sql.SQLException;
import java.util.PriorityQueue;

/**
 * Merges history chunks into one stream in time order. The chunks come in order of their
 * first event's time; a chunk is opened only when the stream reaches that time, so what is
 * held is the chunks that overlap the current time (those of about one commit window),
 * whatever the size of the history. Not thread-safe.
 */
final class HistoryMerge {

    /** Chunks in order of their first event's time. */
    interface Source {
        /** The next chunk, or null at the end. */
        HistoryChunk.Row next() throws SQLException;
    }

    private final Source source;
    private final HistoryFilter filter;
    private final PriorityQueue<HistoryChunk> open = new PriorityQueue<>(HistoryChunk.ORDER);
    private HistoryChunk.Row pending;
    private HistoryChunk current;

    HistoryMerge(Source source, HistoryFilter filter) throws SQLException {
        this.source = source;
        this.filter = filter;
        this.pending = source.next();
    }

    /**
     * Moves to the next event in time order; false at the end. The event is read from
     * {@link #current()} until the next call.
     */
    boolean next() throws SQLException {
        if (current != null && current.advance()) {
            open.add(current);
        }
        current = null;
        // every chunk that starts at or before the earliest open event must take part
        while (pending != null && (open.isEmpty() || pending.firstMicros() <= open.peek().micros())) {
            HistoryChunk chunk = new HistoryChunk(pending, filter);
            if (chunk.advance()) {
                open.add(chunk);
            }
            pending = source.next();
        }
        current = open.poll();
        return current != null;
    }

    HistoryChunk current() {
        return current;
    }
}
