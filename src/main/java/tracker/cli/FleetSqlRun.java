package tracker.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import tracker.store.QueryDeadline;

/**
 * Runs one query of {@code tracker sql} on a fleet store, once {@link FleetQueryCheck} let it
 * through: in a {@code READ ONLY} transaction (the server refuses it any write to a table or
 * a sequence, whatever the text does), with the server's {@code statement_timeout} and a
 * deadline of our own over the whole of it (the server's counts each fetch apart), its rows
 * fetched from a cursor a batch at a time, and rolled back. Not thread-safe: one per command.
 */
final class FleetSqlRun {

    /** Rows per round trip: the rows stream, and a huge answer is never held whole. */
    static final int FETCH_ROWS = 500;

    /** SQLSTATE of a statement cancelled (by statement_timeout, or by us). */
    static final String QUERY_CANCELED = "57014";

    /** The query ran out of time and was cancelled on the server. */
    static final class TimedOut extends Exception {
        TimedOut() {
            super(null, null, false, false);
        }
    }

    /** What is done with the rows while they come. */
    interface RowCopy {
        void copy(ResultSet rows) throws SQLException, SqlCommand.LimitReached;
    }

    private FleetSqlRun() {
    }

    static void run(Connection connection, String sql, Duration time, RowCopy copy)
            throws SQLException, TimedOut, SqlCommand.LimitReached {
        // a cursor needs a transaction; READ ONLY on top of the session's own default, which a
        // query could change (set_config) for later transactions, never for this one
        connection.setAutoCommit(false);
        connection.setReadOnly(true);
        try (Statement statement = connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            statement.execute("SET TRANSACTION READ ONLY");
            // the number is ours, not the user's text
            statement.execute("SET LOCAL statement_timeout = " + Math.max(1, time.toMillis()));
            statement.setFetchSize(FETCH_ROWS);
            try (QueryDeadline deadline = QueryDeadline.start(statement, time)) {
                try (ResultSet rows = statement.executeQuery(sql)) {
                    copy.copy(rows);
                } catch (SQLException e) {
                    if (deadline.expired() || QUERY_CANCELED.equals(e.getSQLState())) {
                        throw new TimedOut();
                    }
                    throw e;
                }
            }
        } finally {
            rollback(connection);
        }
    }

    /** Nothing is ever kept; a session that cannot roll back ends next, which does. */
    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // closing the session rolls back too
        }
    }
}
