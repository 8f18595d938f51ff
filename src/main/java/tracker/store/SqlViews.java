package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.h2.result.SimpleResult;
import org.h2.util.JSR310Utils;
import org.h2.value.TypeInfo;
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

    /**
     * Table function: every live record, as the V1 {@code allocations} table had them.
     * H2 reads the result as it is, where a JDBC result set would be copied row by row into a
     * new one at every call (see {@link SharedRows}, {@link ViewRowsCache}).
     */
    public static SharedRows liveAllocations(Connection connection) throws SQLException {
        if (isColumnList(connection)) {
            return SharedRows.of(recordColumns("process_id"));
        }
        return SharedRows.of(liveRows(connection));
    }

    /** Every live record as {@code connection} sees it, as H2 table rows made once per snapshot. */
    static org.h2.result.Row[] liveTableRows(Connection connection) throws SQLException {
        return ViewRowsCache.tableRows(connection, "allocations", () -> decodeLive(connection));
    }

    /** Every live record as {@code connection} sees it: a result of its own over rows decoded once per snapshot. */
    static SimpleResult liveRows(Connection connection) throws SQLException {
        return ViewRowsCache.rows(connection, "allocations", () -> decodeLive(connection));
    }

    private static SimpleResult decodeLive(Connection connection) throws SQLException {
        SimpleResult all = recordColumns("process_id");
        for (LiveRow row : LiveSegments.readAllRows(connection)) {
            all.addRow(h2Row(row.kind(), row.deviceId(), row.bufferId(), row.type(), row.size(),
                    row.refCount(), row.processId(), row.allocatedAtMicros()));
        }
        return all;
    }

    /** Table function: every record held by a reaped process, with its reap's id. */
    public static SharedRows reapedAllocations(Connection connection) throws SQLException {
        if (isColumnList(connection)) {
            return SharedRows.of(recordColumns("reap_id"));
        }
        return SharedRows.of(reapedRows(connection));
    }

    /** Every record held by a reaped process as {@code connection} sees it, like {@link #liveTableRows}. */
    static org.h2.result.Row[] reapedTableRows(Connection connection) throws SQLException {
        return ViewRowsCache.tableRows(connection, "reaped_allocations", () -> decodeReaped(connection));
    }

    /** Every record held by a reaped process as {@code connection} sees it, like {@link #liveRows}. */
    static SimpleResult reapedRows(Connection connection) throws SQLException {
        return ViewRowsCache.rows(connection, "reaped_allocations", () -> decodeReaped(connection));
    }

    private static SimpleResult decodeReaped(Connection connection) throws SQLException {
        SimpleResult all = recordColumns("reap_id");
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT reap_id, part, encoding, data FROM reap_holdings ORDER BY reap_id, part");
             ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                long reapId = rs.getLong(1);
                ReapHoldings.decodeStored(reapId, rs.getInt(2), rs.getInt(3), rs.getBytes(4),
                        row -> all.addRow(h2Row(row.kind(), row.deviceId(), row.bufferId(), row.type(),
                                row.size(), row.refCount(), reapId, row.allocatedAtMicros())));
            }
        }
        return all;
    }

    /** One row as H2's own values, which H2 reads as they are. */
    private static Value[] h2Row(String kind, int deviceId, long bufferId, String type, long size,
            int refCount, long owner, long allocatedAtMicros) {
        return new Value[] {varchar(kind), ValueInteger.get(deviceId), ValueBigint.get(bufferId), varchar(type),
                ValueBigint.get(size), ValueInteger.get(refCount), ValueBigint.get(owner),
                JSR310Utils.offsetDateTimeToValue(Times.utc(allocatedAtMicros))};
    }

    private static Value varchar(String text) {
        return text == null ? ValueNull.INSTANCE : ValueVarchar.get(text);
    }

    /** An empty result with the columns of a record; {@code owner} names the last but one. */
    private static SimpleResult recordColumns(String owner) {
        SimpleResult result = new SimpleResult();
        result.addColumn("KIND", TypeInfo.getTypeInfo(Value.VARCHAR, 8, 0, null));
        result.addColumn("DEVICE_ID", TypeInfo.TYPE_INTEGER);
        result.addColumn("BUFFER_ID", TypeInfo.TYPE_BIGINT);
        result.addColumn("TYPE", TypeInfo.getTypeInfo(Value.VARCHAR, 16, 0, null));
        result.addColumn("SIZE", TypeInfo.TYPE_BIGINT);
        result.addColumn("REF_COUNT", TypeInfo.TYPE_INTEGER);
        result.addColumn(owner.toUpperCase(Locale.ROOT), TypeInfo.TYPE_BIGINT);
        result.addColumn("ALLOCATED_AT", TypeInfo.getTypeInfo(Value.TIMESTAMP_TZ, 35, 6, null));
        return result;
    }

    private static boolean isColumnList(Connection connection) throws SQLException {
        return COLUMN_LIST_URL.equals(connection.getMetaData().getURL());
    }
}
