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
import tracker.store.LiveSetCodec;
import tracker.store.SqlViews;
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
        long seq = 1;
        try (PreparedStatement read = connection.prepareStatement("SELECT kind, device_id, buffer_id, type, size,"
                + " ref_count, process_id, allocated_at FROM allocations ORDER BY process_id, kind, device_id, buffer_id");
             PreparedStatement write = connection.prepareStatement("INSERT INTO live_segments (process_id, seq,"
                     + " snapshot, entries, encoding, data) VALUES (?, ?, ?, ?, ?, ?)");
             ResultSet rs = read.executeQuery()) {
            Grouped group = new Grouped();
            while (rs.next()) {
                LiveRow row = row(rs, rs.getLong("process_id"));
                if (group.owner != row.processId() && !group.rows.isEmpty()) {
                    seq = writeSegments(write, group, seq);
                }
                group.owner = row.processId();
                group.rows.add(row);
            }
            writeSegments(write, group, seq);
        }
    }

    private static long writeSegments(PreparedStatement write, Grouped group, long seq) throws SQLException {
        boolean first = true;
        List<byte[]> blobs = LiveSetCodec.encodeAll(group.rows, LiveSegments.ENTRIES_PER_SEGMENT);
        for (int part = 0; part < blobs.size(); part++) {
            write.setLong(1, group.owner);
            write.setLong(2, seq++);
            write.setBoolean(3, first);
            write.setInt(4, Math.min(LiveSegments.ENTRIES_PER_SEGMENT,
                    group.rows.size() - part * LiveSegments.ENTRIES_PER_SEGMENT));
            write.setInt(5, LiveSetCodec.ENCODING_V1);
            write.setBytes(6, blobs.get(part));
            write.executeUpdate();
            first = false;
        }
        group.rows.clear();
        return seq;
    }

    private static void moveHeldRows(Connection connection) throws SQLException {
        try (PreparedStatement read = connection.prepareStatement("SELECT reap_id, kind, device_id, buffer_id, type,"
                + " size, ref_count, allocated_at FROM reaped_allocations ORDER BY reap_id, device_id, kind, type,"
                + " buffer_id");
             PreparedStatement write = connection.prepareStatement("INSERT INTO reap_holdings (reap_id, part,"
                     + " entries, encoding, data) VALUES (?, ?, ?, ?, ?)");
             ResultSet rs = read.executeQuery()) {
            Grouped group = new Grouped();
            while (rs.next()) {
                long reapId = rs.getLong("reap_id");
                if (group.owner != reapId && !group.rows.isEmpty()) {
                    writeHoldings(write, group);
                }
                group.owner = reapId;
                group.rows.add(row(rs, 0));
            }
            writeHoldings(write, group);
        }
    }

    private static void writeHoldings(PreparedStatement write, Grouped group) throws SQLException {
        List<byte[]> blobs = LiveSetCodec.encodeAll(group.rows, LiveSegments.ENTRIES_PER_SEGMENT);
        for (int part = 0; part < blobs.size(); part++) {
            write.setLong(1, group.owner);
            write.setInt(2, part);
            write.setInt(3, Math.min(LiveSegments.ENTRIES_PER_SEGMENT,
                    group.rows.size() - part * LiveSegments.ENTRIES_PER_SEGMENT));
            write.setInt(4, LiveSetCodec.ENCODING_V1);
            write.setBytes(5, blobs.get(part));
            write.executeUpdate();
        }
        group.rows.clear();
    }

    private static LiveRow row(ResultSet rs, long owner) throws SQLException {
        return new LiveRow(rs.getString("kind"), rs.getInt("device_id"), rs.getLong("buffer_id"), rs.getString("type"),
                rs.getLong("size"), rs.getInt("ref_count"), owner,
                Times.micros(rs.getObject("allocated_at", OffsetDateTime.class).toInstant()));
    }

    /** Rows of one owner (process or reap), in the order read. */
    private static final class Grouped {
        long owner = Long.MIN_VALUE;
        final List<LiveRow> rows = new ArrayList<>();
    }
}
