package tracker.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tracker.report.Format;
import tracker.report.Report;
import tracker.report.RowWriter;
import tracker.store.QueryDeadline;
import tracker.store.QueryMemoryGuard;
import tracker.store.ReadOnlyQuery;
import tracker.store.RefusedQueryException;
import tracker.store.QueryTextCheck;

/**
 * {@code tracker sql}: one read-only query, run as the database's read-only user (whose
 * privileges are the wall), checked first to be exactly one query (a clear refusal, and the
 * FOR UPDATE that privileges let through), and bounded in time, rows and bytes. Rows stream to
 * the output as the database computes them (CSV, JSON); a table holds at most
 * {@link #TABLE_ROWS}. Whatever the query throws, an OutOfMemoryError included, fails this
 * command alone. On a fleet store the wall is PostgreSQL's: a READ ONLY transaction and the
 * role's privileges ({@link FleetSqlRun}, {@link FleetQueryCheck}). Not thread-safe (one
 * instance per command).
 */
@Command(name = "sql",
        description = {"Runs one read-only SQL query (SELECT ...) and prints its rows. The schema is in the README.",
                "The query runs as a database user that may only read the tracker's tables and views, in a"
                        + " transaction that is rolled back. Refused (exit 2): more than one statement, anything"
                        + " but SELECT, WITH ... SELECT, TABLE, VALUES or EXPLAIN of those, FOR UPDATE, and calls"
                        + " of REPEAT, SPACE, LPAD, RPAD, SECURE_RAND, EXPAND and HASH.",
                "Limits (exit 3 when exceeded): 30 s, 1,000,000 rows, 64 MiB of output, 10,000 rows as a table.",
                "On a fleet store (--db postgresql://...): the store's own tables, in a READ ONLY transaction, as the"
                        + " URL's role (give it SELECT only); the same statements are refused, and FOR SHARE,"
                        + " INSERT / UPDATE / DELETE / MERGE in a WITH, and SELECT ... INTO."})
final class SqlCommand extends QueryCommand {

    /** On a fleet store the query reads the store's own tables, each row with its host_id (see the README). */
    @Override
    boolean fleetAsLocalSchema() {
        return false;
    }

    static final Duration TIME_LIMIT = Duration.ofSeconds(30);
    static final long MAX_ROWS = 1_000_000;
    static final long MAX_BYTES = 64L << 20;
    /** A table is sized from all its rows, so they are held: fewer of them. */
    static final int TABLE_ROWS = 10_000;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The query, e.g. \"SELECT * FROM reaps\".")
    String query;

    @Option(names = "--timeout", paramLabel = "D", converter = DurationConverter.class,
            description = "Stop the query after D (at most and by default 30s).")
    Duration timeout;

    @Option(names = "--max-rows", paramLabel = "N",
            description = "Fail when the query has more than N rows (at most and by default 1000000).")
    Long maxRows;

    /** A limit was reached: the command fails with this line (exit 3). */
    static final class LimitReached extends Exception {
        LimitReached(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    void checkOptions() {
        timeLimit();
        rowLimit();
        if (!hosts.isEmpty() && database.fleet().isPresent()) {
            throw usage("--host: tracker sql reads the fleet store's tables as they are, every row with its host_id;"
                    + " pick hosts in the query (JOIN hosts USING (host_id) WHERE host_name = ...)");
        }
    }

    @Override
    int run(Backend backend) {
        Duration time = timeLimit();
        long rowLimit = rowLimit();
        String sql = withoutFinalSemicolon(query);
        if (backend.fleet().isPresent()) {
            return backend.withConnection(connection -> runOnFleet(connection, sql, time, rowLimit));
        }
        // before H2 parses it: parsing already folds constant calls such as REPEAT('a', 1000000000)
        QueryTextCheck.check(sql);
        try (Connection reader = backend.readerConnection()) {
            ReadOnlyQuery.check(reader, sql);
            return runAsReader(reader, sql, time, rowLimit);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // H2 parses and folds constants recursively, in this thread: a huge or deeply nested
            // text fails here, and only here
            return failed("the query is too large or too deeply nested to run (" + e.getClass().getSimpleName() + ")");
        } catch (SQLException e) {
            String message = firstLine(e.getMessage());
            if (e.getErrorCode() == org.h2.api.ErrorCode.NOT_ENOUGH_RIGHTS_FOR_1
                    || e.getErrorCode() == org.h2.api.ErrorCode.ADMIN_RIGHTS_REQUIRED) {
                throw new RefusedQueryException("refused: " + message + " (tracker sql may only read the tracker's"
                        + " tables and views)");
            }
            throw usage("query failed: " + message);
        }
    }

    /**
     * On a fleet store (PostgreSQL): the store's role and a READ ONLY transaction are the wall
     * ({@link FleetSqlRun}); what the server refuses for either is a refusal (exit 2), as the
     * reader's privileges are on H2.
     */
    private int runOnFleet(Connection connection, String sql, Duration time, long rowLimit) throws SQLException {
        FleetQueryCheck.check(connection, sql);
        try {
            FleetSqlRun.run(connection, sql, time, rows -> copy(rows, rowLimit));
            return ExitCode.OK;
        } catch (FleetSqlRun.TimedOut e) {
            return failed("the query ran longer than " + text(time) + " and was cancelled on the server");
        } catch (LimitReached e) {
            return failed(e.getMessage());
        } catch (OutOfMemoryError e) {
            return failed("the query's rows needed more memory than the process has; it was stopped");
        } catch (SQLException e) {
            String state = String.valueOf(e.getSQLState());
            if (state.startsWith("08")) {
                throw e; // the connection failed: the store is unavailable (exit 3)
            }
            String message = FleetBackend.reason(e);
            if (REFUSED_STATES.contains(state)) {
                throw new RefusedQueryException("refused: " + message + " (tracker sql only reads)");
            }
            throw usage("query failed: " + message);
        }
    }

    /**
     * What PostgreSQL answers a query that would write: in a read-only transaction (a table, a
     * sequence), making it read-write, or beyond the role's privileges.
     */
    private static final java.util.Set<String> REFUSED_STATES = java.util.Set.of("25006", "25001", "42501");

    private int runAsReader(Connection reader, String sql, Duration time, long rowLimit) throws SQLException {
        // one snapshot for the whole query: the views over the live set read through their own
        // statements, which would each see the latest commit under READ COMMITTED
        reader.setTransactionIsolation(tracker.store.Database.SNAPSHOT_ISOLATION);
        reader.setAutoCommit(false);
        try (Statement statement = reader.createStatement();
             QueryDeadline deadline = QueryDeadline.start(statement, time);
             QueryMemoryGuard memory = QueryMemoryGuard.watch(statement)) {
            statement.setQueryTimeout((int) Math.max(1, time.toSeconds()));
            try {
                try (ResultSet rows = statement.executeQuery(sql)) {
                    copy(rows, rowLimit);
                }
                return ExitCode.OK;
            } catch (SQLException e) {
                if (memory.tripped()) {
                    return failed("the query filled the memory and was stopped (it keeps too much: a GROUP BY,"
                            + " ORDER BY or DISTINCT over too many rows?)");
                }
                if (deadline.expired() || e.getErrorCode() == org.h2.api.ErrorCode.STATEMENT_WAS_CANCELED) {
                    return failed("the query ran longer than " + text(time) + " and was stopped");
                }
                throw e;
            } catch (LimitReached e) {
                return failed(e.getMessage());
            } catch (OutOfMemoryError e) {
                return failed("the query needed more memory than the process has; it was stopped, nothing else was");
            } catch (RuntimeException | StackOverflowError e) {
                // anything else the driver or a table function throws: this command fails, nobody else
                return failed("the query failed: " + e);
            }
        } finally {
            rollback(reader);
        }
    }

    /** Nothing is ever kept; a connection that cannot roll back is closed next, which does. */
    private static void rollback(Connection reader) {
        try {
            reader.rollback();
        } catch (SQLException e) {
            // closing the session rolls back too
        }
    }

    private int failed(String line) {
        out().flush();
        spec.commandLine().getErr().println("tracker: " + line);
        spec.commandLine().getErr().flush();
        return ExitCode.UNAVAILABLE;
    }

    private void copy(ResultSet rows, long rowLimit) throws SQLException, LimitReached {
        ResultSetMetaData meta = rows.getMetaData();
        // PostgreSQL's OTHER (interval, uuid, json, ...) is the server's text; H2's a Java object
        boolean postgres = meta.isWrapperFor(org.postgresql.PGResultSetMetaData.class);
        List<String> columns = new ArrayList<>();
        int[] types = new int[meta.getColumnCount()];
        for (int c = 1; c <= types.length; c++) {
            columns.add(meta.getColumnLabel(c).toLowerCase(Locale.ROOT));
            // PostgreSQL's driver calls a timestamptz a TIMESTAMP: print it as an instant, as on H2
            types[c - 1] = "timestamptz".equals(meta.getColumnTypeName(c)) ? Types.TIMESTAMP_WITH_TIMEZONE
                    : postgres && meta.getColumnType(c) == Types.OTHER ? Types.VARCHAR : meta.getColumnType(c);
        }
        boolean table = format() == Format.TABLE;
        long limit = table ? Math.min(rowLimit, TABLE_ROWS) : rowLimit;
        Report report = table ? new Report(columns) : null;
        // the header waits for the first row: a query that fails there prints only its error
        boolean more = rows.next();
        RowWriter writer = table ? null : new RowWriter(columns, format(), out());
        long count = 0;
        long bytes = 0;
        for (; more; more = rows.next()) {
            if (++count > limit) {
                throw new LimitReached("the query has more than " + limit + " rows"
                        + (table && limit < rowLimit ? " for a table (use --format csv or json, or LIMIT)" : "")
                        + "; stopped");
            }
            Object[] cells = new Object[types.length];
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cell(rows, c + 1, types[c]);
                bytes += cells[c] == null ? 1 : cells[c].toString().length() + 1;
            }
            if (bytes > MAX_BYTES) {
                throw new LimitReached("the query's rows exceed " + (MAX_BYTES >> 20) + " MiB; stopped");
            }
            if (table) {
                report.add(cells);
            } else {
                writer.write(cells);
            }
        }
        if (table) {
            print(report);
        } else {
            writer.close();
        }
    }

    /**
     * One cell as something the renderers print. Never {@code getObject} on a Java object
     * column: H2 would deserialize bytes the query chose, inside the daemon.
     */
    private static Object cell(ResultSet rows, int column, int type) throws SQLException {
        switch (type) {
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT, Types.REAL, Types.FLOAT, Types.DOUBLE,
                    Types.BOOLEAN, Types.BIT -> { // BIT: PostgreSQL's driver's boolean
                return rows.getObject(column);
            }
            case Types.NUMERIC, Types.DECIMAL -> {
                java.math.BigDecimal decimal = rows.getBigDecimal(column);
                if (decimal != null && decimal.scale() == 0 && decimal.unscaledValue().bitLength() < 64) {
                    return decimal.longValueExact();
                }
                return decimal;
            }
            case Types.TIMESTAMP_WITH_TIMEZONE -> {
                OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
                return time == null ? null : time.toInstant();
            }
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB, Types.JAVA_OBJECT, Types.OTHER -> {
                byte[] bytes = rows.getBytes(column);
                return bytes == null ? null : "<" + bytes.length + " bytes>";
            }
            default -> {
                return rows.getString(column);
            }
        }
    }

    private Duration timeLimit() {
        if (timeout == null) {
            return TIME_LIMIT;
        }
        if (timeout.isZero() || timeout.compareTo(TIME_LIMIT) > 0) {
            throw usage("--timeout must be above 0 and at most " + text(TIME_LIMIT) + ", not " + text(timeout));
        }
        return timeout;
    }

    private long rowLimit() {
        if (maxRows == null) {
            return MAX_ROWS;
        }
        if (maxRows < 0 || maxRows > MAX_ROWS) {
            throw usage("--max-rows must be between 0 and " + MAX_ROWS + ", not " + maxRows);
        }
        return maxRows;
    }

    private static String text(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** {@code SELECT 1;} is one statement, as a shell user means it. */
    private static String withoutFinalSemicolon(String text) {
        String trimmed = text.strip();
        return trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    private static String firstLine(String text) {
        String line = String.valueOf(text).lines().findFirst().orElse("");
        return line.endsWith("; SQL statement:") ? line.substring(0, line.length() - "; SQL statement:".length()) : line;
    }
}
