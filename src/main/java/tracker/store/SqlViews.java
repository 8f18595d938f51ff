package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Locale;
import org.h2.tools.SimpleResultSet;
import org.h2.util.JSR310Utils;
import org.h2.value.Value;
import org.h2.value.ValueBigint;
import org.h2.value.ValueInteger;
import org.h2.value.ValueNull;
import org.h2.value.ValueVarchar;

/**
 * The live set and the audit's held records as rows again, for SQL: views
 * {@code allocations} and {@code reaped_allocations} over H2 table functions that decode
 * the blobs. They serve {@code tracker sql} and ad-hoc queries; the tracker's own commands
 * read the blobs directly (see {@link LiveSegments}). H2 only: on another database these
 * views would be written in its own procedural language.
 */
public final class SqlViews {

    /** H2 first calls a table function with this URL, to learn its columns only. */
    private static final String COLUMN_LIST_URL = "jdbc:columnlist:connection";

    private SqlViews() {
    }

    /** Creates the functions and views; a no-op on other databases. */
    public static void install(Connection connection) throws SQLException {
        if (!connection.getMetaData().getDatabaseProductName().toUpperCase(Locale.ROOT).contains("H2")) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE FORCE ALIAS IF NOT EXISTS LIVE_ALLOCATIONS FOR '"
                    + SqlViews.class.getName() + ".liveAllocations'");
            statement.execute("CREATE FORCE ALIAS IF NOT EXISTS REAPED_ALLOCATIONS FOR '"
                    + SqlViews.class.getName() + ".reapedAllocations'");
            statement.execute("CREATE OR REPLACE FORCE VIEW allocations AS SELECT * FROM LIVE_ALLOCATIONS()");
            statement.execute("CREATE OR REPLACE FORCE VIEW reaped_allocations AS SELECT * FROM REAPED_ALLOCATIONS()");
        }
    }

    /** Table function: every live record, as the V1 {@code allocations} table had them. */
    public static ResultSet liveAllocations(Connection connection) throws SQLException {
        if (isColumnList(connection)) {
            SimpleResultSet columns = new SimpleResultSet();
            addRecordColumns(columns, "process_id");
            return columns;
        }
        java.util.List<Object[]> rows = ViewRowsCache.rows(connection, "allocations", () -> {
            java.util.List<Object[]> all = new java.util.ArrayList<>();
            for (LiveRow row : LiveSegments.readAllRows(connection)) {
                all.add(h2Row(row.kind(), row.deviceId(), row.bufferId(), row.type(), row.size(),
                        row.refCount(), row.processId(), row.allocatedAtMicros()));
            }
            return all;
        });
        SimpleResultSet result = new SimpleResultSet(ViewRowsCache.source(rows));
        addRecordColumns(result, "process_id");
        return result;
    }

    /** Table function: every record held by a reaped process, with its reap's id. */
    public static ResultSet reapedAllocations(Connection connection) throws SQLException {
        if (isColumnList(connection)) {
            SimpleResultSet columns = new SimpleResultSet();
            addRecordColumns(columns, "reap_id");
            return columns;
        }
        java.util.List<Object[]> rows = ViewRowsCache.rows(connection, "reaped_allocations", () -> {
            java.util.List<Object[]> all = new java.util.ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT reap_id, part, encoding, data FROM reap_holdings ORDER BY reap_id, part");
                 ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    long reapId = rs.getLong(1);
                    ReapHoldings.decodeStored(reapId, rs.getInt(2), rs.getInt(3), rs.getBytes(4),
                            row -> all.add(h2Row(row.kind(), row.deviceId(), row.bufferId(), row.type(),
                                    row.size(), row.refCount(), reapId, row.allocatedAtMicros())));
                }
            }
            return all;
        });
        SimpleResultSet result = new SimpleResultSet(ViewRowsCache.source(rows));
        addRecordColumns(result, "reap_id");
        return result;
    }

    /**
     * One row as H2's own values, made once per statement. H2 copies a table function's rows
     * into a new result every time the function is read again (for every outer row of a
     * join); values it is handed pass through that copy as they are, where Java objects
     * would be converted anew each time: a self-join then allocates an array per row, not
     * eight values, and the collector has far less to copy while the join runs.
     */
    private static Object[] h2Row(String kind, int deviceId, long bufferId, String type, long size,
            int refCount, long owner, long allocatedAtMicros) {
        return new Object[] {varchar(kind), ValueInteger.get(deviceId), ValueBigint.get(bufferId), varchar(type),
                ValueBigint.get(size), ValueInteger.get(refCount), ValueBigint.get(owner),
                JSR310Utils.offsetDateTimeToValue(Times.utc(allocatedAtMicros))};
    }

    private static Value varchar(String text) {
        return text == null ? ValueNull.INSTANCE : ValueVarchar.get(text);
    }

    private static void addRecordColumns(SimpleResultSet result, String owner) {
        result.addColumn("KIND", Types.VARCHAR, 8, 0);
        result.addColumn("DEVICE_ID", Types.INTEGER, 10, 0);
        result.addColumn("BUFFER_ID", Types.BIGINT, 19, 0);
        result.addColumn("TYPE", Types.VARCHAR, 16, 0);
        result.addColumn("SIZE", Types.BIGINT, 19, 0);
        result.addColumn("REF_COUNT", Types.INTEGER, 10, 0);
        result.addColumn(owner.toUpperCase(Locale.ROOT), Types.BIGINT, 19, 0);
        result.addColumn("ALLOCATED_AT", Types.TIMESTAMP_WITH_TIMEZONE, 35, 6);
    }

    private static boolean isColumnList(Connection connection) throws SQLException {
        return COLUMN_LIST_URL.equals(connection.getMetaData().getURL());
    }
}
