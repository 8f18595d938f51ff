package tracker.store.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import tracker.store.StoredBlob;

/**
 * Appends a checksum to every blob written before blobs carried one (encoding 1 becomes 2,
 * see {@link StoredBlob}): from here on every read checks every blob. In Java because the
 * checksum is the tracker's own.
 */
public class V7__SealStoredBlobs extends BaseJavaMigration {

    private static final int BATCH = 1_000;

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        seal(connection, "event_chunks", "id");
        seal(connection, "live_segments", "process_id", "seq");
        seal(connection, "reap_holdings", "reap_id", "part");
    }

    private static void seal(Connection connection, String table, String... key) throws SQLException {
        String keyColumns = String.join(", ", key);
        String match = String.join(" = ? AND ", key) + " = ?";
        try (PreparedStatement read = connection.prepareStatement("SELECT " + keyColumns + ", data FROM " + table
                + " WHERE encoding = " + StoredBlob.UNSEALED);
             PreparedStatement write = connection.prepareStatement("UPDATE " + table + " SET encoding = "
                     + StoredBlob.SEALED + ", data = ? WHERE " + match);
             ResultSet rows = read.executeQuery()) {
            int pending = 0;
            while (rows.next()) {
                write.setBytes(1, StoredBlob.seal(rows.getBytes(key.length + 1)));
                for (int i = 0; i < key.length; i++) {
                    write.setLong(i + 2, rows.getLong(i + 1));
                }
                write.addBatch();
                if (++pending == BATCH) {
                    write.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                write.executeBatch();
            }
        }
    }
}
