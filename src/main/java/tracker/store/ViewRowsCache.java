package tracker.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.h2.tools.SimpleRowSource;

/**
 * The rows of the {@link SqlViews} table functions, decoded once per snapshot of a session.
 * H2 calls a table function again for every row of the outer side of a join: a self-join of
 * {@code allocations} decoded the whole live set a hundred thousand times, and the garbage
 * stalled the daemon's collector for most of a second at a time. Within one execution of one
 * statement the rows do not change, so they are kept for that long: the entry is keyed by the
 * session's current command, its transaction, and the data modification id the statement
 * started on (one entry per session and view, dropped with the session). Uses H2's session classes:
 * where the connection is not H2's own, nothing is cached. Thread-safe.
 */
final class ViewRowsCache {

    /** What loads the rows when they are not cached. */
    interface Loader {
        List<Object[]> load() throws SQLException;
    }

    private record Entry(Object statement, Object transaction, long dataAtStart, List<Object[]> rows) {
    }

    private static final Map<Object, Map<String, Entry>> BY_SESSION = new WeakHashMap<>();
    /** how many times rows were decoded: what a test can hold the cache to */
    private static final java.util.concurrent.atomic.AtomicLong LOADS = new java.util.concurrent.atomic.AtomicLong();

    private ViewRowsCache() {
    }

    static List<Object[]> rows(Connection connection, String view, Loader loader) throws SQLException {
        org.h2.engine.SessionLocal session = sessionOf(connection);
        if (session == null || session.getCurrentCommand() == null) {
            return loader.load();
        }
        // one execution of one statement: the same command, started on the same state of the data
        Object statement = session.getCurrentCommand();
        Object transaction = session.getTransaction();
        long dataAtStart = session.getStatementModificationDataId();
        synchronized (BY_SESSION) {
            Entry entry = BY_SESSION.getOrDefault(session, Map.of()).get(view);
            if (entry != null && entry.statement() == statement && entry.transaction() == transaction
                    && entry.dataAtStart() == dataAtStart) {
                return entry.rows();
            }
        }
        List<Object[]> rows = loader.load();
        LOADS.incrementAndGet();
        synchronized (BY_SESSION) {
            BY_SESSION.computeIfAbsent(session, s -> new java.util.HashMap<>())
                    .put(view, new Entry(statement, transaction, dataAtStart, rows));
        }
        return rows;
    }

    static long loads() {
        return LOADS.get();
    }

    private static org.h2.engine.SessionLocal sessionOf(Connection connection) {
        if (connection instanceof org.h2.jdbc.JdbcConnection h2
                && h2.getSession() instanceof org.h2.engine.SessionLocal local) {
            return local;
        }
        return null;
    }

    /** Hands out cached rows without copying them: a call costs an iterator, not a result. */
    static SimpleRowSource source(List<Object[]> rows) {
        return new SimpleRowSource() {
            private int next;

            @Override
            public Object[] readRow() {
                return next < rows.size() ? rows.get(next++) : null;
            }

            @Override
            public void close() {
                // nothing held but the cached list
            }

            @Override
            public void reset() {
                next = 0;
            }
        };
    }
}
