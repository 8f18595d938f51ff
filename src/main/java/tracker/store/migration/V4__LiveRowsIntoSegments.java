package tracker.store.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import tracker.store.LiveRow;
import tracker.store.LiveSegments;
import tracker.store.SqlViews;
import tracker.store.StoreWriter;
import tracker.store.Times;

/**
 * Moves the rows of {@code allocations} and {@code reaped_allocations} (one per record,
 * schema V1) into the blobs of V3, then drops the old tables. In Java because the blobs'
 * encoding is. On H2 it also installs {@link SqlViews}, which show the blobs as rows again.
 */
public class V4__LiveRowsIntoSegments extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        moveLiveRows(connection);
        moveHeldRows(connection);
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE reaped_allocations");
            statement.execute("DROP TABLE allocations");
        }
        SqlViews.install(connection);
    }

    private static void moveLiveRows(Connection connection) throws SQLException {
        long[] seq = {1};
        forEachOwner(connection, "SELECT kind, device_id, buffer_id, type, size, ref_count, process_id AS owner,"
                        + " allocated_at FROM allocations ORDER BY process_id, kind, device_id, buffer_id",
                (owner, rows) -> StoreWriter.writeSegments(connection,
                        LiveSegments.snapshotOf(owner, () -> seq[0]++, rows)));
    }

    private static void moveHeldRows(Connection connection) throws SQLException {
        forEachOwner(connection, "SELECT kind, device_id, buffer_id, type, size, ref_count, reap_id AS owner,"
                        + " allocated_at FROM reaped_allocations ORDER BY reap_id, device_id, kind, type, buffer_id",
                (reapId, rows) -> StoreWriter.insertHoldings(connection, reapId, rows));
    }

    /** What is done with the rows of one owner (a process, or a reap). */
    private interface OwnerRows {
        void accept(long owner, List<LiveRow> rows) throws SQLException;
    }

    /** Reads rows ordered by owner and hands over each owner's rows together. */
    private static void forEachOwner(Connection connection, String sql, OwnerRows sink) throws SQLException {
        try (PreparedStatement read = connection.prepareStatement(sql); ResultSet rs = read.executeQuery()) {
            long owner = Long.MIN_VALUE;
            List<LiveRow> rows = new ArrayList<>();
            while (rs.next()) {
                long next = rs.getLong("owner");
                if (next != owner && !rows.isEmpty()) {
                    sink.accept(owner, rows);
                    rows = new ArrayList<>();
                }
                owner = next;
                rows.add(row(rs, owner));
            }
            if (!rows.isEmpty()) {
                sink.accept(owner, rows);
            }
        }
    }

    private static LiveRow row(ResultSet rs, long owner) throws SQLException {
        return new LiveRow(rs.getString("kind"), rs.getInt("device_id"), rs.getLong("buffer_id"), rs.getString("type"),
                rs.getLong("size"), rs.getInt("ref_count"), owner,
                Times.micros(rs.getObject("allocated_at", OffsetDateTime.class).toInstant()));
    }
}
