package tracker.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import tracker.store.Database;

/**
 * Copies a host's committed records from its database file into a fleet store, row for row,
 * as the shipper leaves them there: the fleet table's columns, taken from the local table of
 * the same name, with the host's id. Lets the query tests build a store of several hosts from
 * real database files written by the tracker's own writer.
 */
final class FleetRows {

    private FleetRows() {
    }

    /** Registers {@code host} (shipped now) and copies {@code database}'s rows; returns its host id. */
    static int ship(Path database, Connection fleet, String host) throws SQLException {
        int hostId;
        try (PreparedStatement insert = fleet.prepareStatement("INSERT INTO hosts (host_name, machine_id,"
                + " first_shipped_at, last_shipped_at) VALUES (?, ?, now(), now()) RETURNING host_id")) {
            insert.setString(1, host);
            insert.setString(2, host + "-machine");
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                hostId = rs.getInt(1);
            }
        }
        try (Database local = Database.open(database, Database.Access.READ_ONLY);
             Connection h2 = local.connection()) {
            for (String table : FleetViews.TABLES) {
                copy(h2, fleet, table, hostId);
            }
        }
        return hostId;
    }

    private static void copy(Connection h2, Connection fleet, String table, int hostId) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = fleet.getMetaData().getColumns(null, "public", table, null)) {
            while (rs.next()) {
                if (!rs.getString("COLUMN_NAME").equals("host_id")) {
                    columns.add(rs.getString("COLUMN_NAME"));
                }
            }
        }
        String marks = String.join(", ", java.util.Collections.nCopies(columns.size() + 1, "?"));
        try (Statement select = h2.createStatement();
             ResultSet rows = select.executeQuery("SELECT " + String.join(", ", columns) + " FROM " + table);
             PreparedStatement insert = fleet.prepareStatement("INSERT INTO " + table + " (host_id, "
                     + String.join(", ", columns) + ") VALUES (" + marks + ")")) {
            while (rows.next()) {
                insert.setInt(1, hostId);
                for (int c = 0; c < columns.size(); c++) {
                    Object value = rows.getObject(c + 1);
                    if (value instanceof java.time.OffsetDateTime time) {
                        insert.setObject(c + 2, time);
                    } else {
                        insert.setObject(c + 2, value);
                    }
                }
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
