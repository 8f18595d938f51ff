package tracker.fleet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC reads and batched writes of rows as they are: the shipper copies, it does not interpret. */
final class Rows {

    private Rows() {
    }

    /** Every row of the query, each as its columns' values in order. */
    static List<Object[]> read(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    Object[] row = new Object[columns];
                    for (int c = 0; c < columns; c++) {
                        row[c] = result.getObject(c + 1);
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /** Runs {@code sql} once per row, the host id first and the row's values after it. */
    static void writeAll(Connection connection, String sql, int hostId, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Object[] row : rows) {
                statement.setInt(1, hostId);
                for (int c = 0; c < row.length; c++) {
                    statement.setObject(c + 2, row[c]);
                }
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** {@code INSERT INTO table (host_id, columns) VALUES (?, ...)} */
    static String insert(String table, String columns) {
        int count = columns.split(",").length + 1;
        return "INSERT INTO " + table + " (host_id, " + columns + ") VALUES (?" + ", ?".repeat(count - 1) + ")";
    }

    static long asLong(Object value) {
        return ((Number) value).longValue();
    }
}
