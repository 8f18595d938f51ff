package tracker.reaper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.api.Trigger;

/**
 * An H2 trigger that makes one step of a reap fail, inside the reap's own transaction:
 * <ul>
 *   <li>on {@code processes} (BEFORE UPDATE): the update that ends a process (sets
 *       {@code end_reason} where there was none), the step after the delete of its live rows;
 *       other updates pass;</li>
 *   <li>on {@code live_segments} (BEFORE DELETE): any delete, the step after the audit insert.</li>
 * </ul>
 * Before failing it records what its transaction saw at that moment, so a test can tell
 * the earlier steps had run and were then undone.
 */
public final class FailingTrigger implements Trigger {

    /** What the failing transaction saw of the process when the trigger fired. */
    public record Observation(String table, long processId, long liveRows, long reaps, long reapedRows) {
    }

    static final List<Observation> OBSERVED = new CopyOnWriteArrayList<>();

    private String table;
    private final Map<String, Integer> columns = new HashMap<>();

    @Override
    public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before, int type)
            throws SQLException {
        table = tableName.toUpperCase(Locale.ROOT);
        try (ResultSet rs = conn.getMetaData().getColumns(null, schemaName, tableName, null)) {
            while (rs.next()) {
                columns.put(rs.getString("COLUMN_NAME").toUpperCase(Locale.ROOT), rs.getInt("ORDINAL_POSITION") - 1);
            }
        }
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        long processId;
        if (table.equals("PROCESSES")) {
            int reason = columns.get("END_REASON");
            boolean ending = newRow != null && newRow[reason] != null && (oldRow == null || oldRow[reason] == null);
            if (!ending) {
                return;
            }
            processId = ((Number) newRow[columns.get("ID")]).longValue();
        } else {
            processId = ((Number) oldRow[columns.get("PROCESS_ID")]).longValue();
        }
        OBSERVED.add(new Observation(table, processId,
                count(conn, "SELECT COUNT(*) FROM allocations WHERE process_id = ?", processId),
                count(conn, "SELECT COUNT(*) FROM reaps WHERE process_id = ?", processId),
                count(conn, "SELECT COUNT(*) FROM reaped_allocations r JOIN reaps s ON s.id = r.reap_id"
                        + " WHERE s.process_id = ?", processId)));
        throw new SQLException("injected failure on " + table + " for process " + processId);
    }

    private static long count(Connection conn, String sql, long processId) throws SQLException {
        try (PreparedStatement statement = conn.prepareStatement(sql)) {
            statement.setLong(1, processId);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
