package tracker.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.engine.IsolationLevel;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.tx.Transaction;
import org.h2.result.Row;
import org.h2.result.SearchRow;
import org.h2.result.SimpleResult;

/**
 * The rows of the {@link SqlViews} table functions, decoded once per snapshot and then shared.
 * H2 calls a table function again for every row of the outer side of a join: a self-join of
 * {@code allocations} decoded the whole live set a hundred thousand times, and the garbage
 * stalled the daemon's other threads. Each call now gets a shallow copy of one result: its own
 * cursor over the same rows.
 * <p>
 * Rows may be shared only while they cannot change: within one transaction at SNAPSHOT (or
 * SERIALIZABLE) isolation, which is how {@code tracker sql} runs its one statement. Under READ
 * COMMITTED each of the function's own reads sees the latest commit, so nothing is cached there.
 * The statement running at the time cannot be the key: the function's own queries end their
 * statements, and H2 then forgets the outer one. One entry per session and view, dropped with
 * the session; where the connection is not H2's own, nothing is cached. Thread-safe.
 */
final class ViewRowsCache {

    /** What loads the rows when they are not cached. */
    interface Loader {
        SimpleResult load() throws SQLException;
    }

    /** {@code tableRows}: the same rows as H2 table rows, made at the first scan that asks; guarded by BY_SESSION. */
    private static final class Entry {
        final Transaction transaction;
        final long sequence;
        final SimpleResult rows;
        Row[] tableRows;

        Entry(Transaction transaction, SimpleResult rows) {
            this.transaction = transaction;
            this.sequence = transaction.getSequenceNum();
            this.rows = rows;
        }
    }

    private static final Map<SessionLocal, Map<String, Entry>> BY_SESSION = new WeakHashMap<>();
    /** how many times rows were decoded, cached or not: what a test can hold the cache to */
    private static final AtomicLong LOADS = new AtomicLong();

    private ViewRowsCache() {
    }

    /** The rows of {@code view} as {@code connection} sees them now: a result of its own. */
    static SimpleResult rows(Connection connection, String view, Loader loader) throws SQLException {
        SessionLocal session = sessionOf(connection);
        Transaction transaction = session == null ? null : snapshotTransaction(session);
        if (transaction == null) {
            return load(loader);
        }
        synchronized (BY_SESSION) {
            Entry entry = current(session, view, transaction);
            if (entry != null) {
                return entry.rows.createShallowCopy(session);
            }
        }
        SimpleResult rows = load(loader);
        synchronized (BY_SESSION) {
            BY_SESSION.computeIfAbsent(session, s -> new HashMap<>()).put(view, new Entry(transaction, rows));
        }
        return rows.createShallowCopy(session);
    }

    /**
     * The rows of {@code view} as H2 table rows, for a scan of a record table: made once per
     * snapshot like the rows themselves, so that a scan repeated for every outer row of a join
     * allocates nothing. H2 only reads a scanned row's values, never changes them.
     */
    static Row[] tableRows(Connection connection, String view, Loader loader) throws SQLException {
        SessionLocal session = sessionOf(connection);
        Transaction transaction = session == null ? null : snapshotTransaction(session);
        if (transaction != null) {
            synchronized (BY_SESSION) {
                Entry entry = current(session, view, transaction);
                if (entry != null && entry.tableRows != null) {
                    return entry.tableRows;
                }
            }
        }
        Row[] made = asTableRows(rows(connection, view, loader));
        if (transaction != null) {
            synchronized (BY_SESSION) {
                Entry entry = current(session, view, transaction);
                if (entry != null) {
                    entry.tableRows = made;
                }
            }
        }
        return made;
    }

    /** The session's entry for {@code view} when it was made in this snapshot; else null. Holding BY_SESSION. */
    private static Entry current(SessionLocal session, String view, Transaction transaction) {
        Entry entry = BY_SESSION.getOrDefault(session, Map.of()).get(view);
        return entry != null && entry.transaction == transaction && entry.sequence == transaction.getSequenceNum()
                ? entry : null;
    }

    private static Row[] asTableRows(SimpleResult result) {
        Row[] rows = new Row[(int) result.getRowCount()];
        for (int i = 0; result.next(); i++) {
            rows[i] = Row.get(result.currentRow(), SearchRow.MEMORY_CALCULATE);
        }
        return rows;
    }

    static long loads() {
        return LOADS.get();
    }

    private static SimpleResult load(Loader loader) throws SQLException {
        LOADS.incrementAndGet();
        return loader.load();
    }

    /**
     * The session's transaction when every read in it sees one snapshot; else null. Called
     * inside a statement, which always has its transaction.
     */
    private static Transaction snapshotTransaction(SessionLocal session) {
        IsolationLevel isolation = session.getIsolationLevel();
        if (session.getAutoCommit()
                || (isolation != IsolationLevel.SNAPSHOT && isolation != IsolationLevel.SERIALIZABLE)) {
            return null;
        }
        return session.getTransaction();
    }

    private static SessionLocal sessionOf(Connection connection) {
        if (connection instanceof JdbcConnection h2 && h2.getSession() instanceof SessionLocal local) {
            return local;
        }
        return null;
    }
}
