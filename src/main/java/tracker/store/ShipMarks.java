package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * How far this database was shipped to a fleet store, as last confirmed by the store: kept in
 * the local counters so that retention ({@code prune}, by the daemon or the CLI) never
 * deletes what the store does not have yet. The store's own marks are the truth for
 * shipping; these lag them, which only makes retention keep more.
 *
 * @param eventChunks        chunks with an id up to this were shipped
 * @param reaps              audit records with an id up to this were shipped
 * @param processesBelow     processes with an id below this were shipped in their final state
 * @param usageMinuteMicros  device peak windows before this minute were shipped
 */
public record ShipMarks(long eventChunks, long reaps, long processesBelow, long usageMinuteMicros) {

    static final String[] NAMES = {"shipped_event_chunks", "shipped_reaps", "shipped_processes_below",
            "shipped_usage_minute"};

    /** The marks, or empty when this database does not ship (no shipping daemon ever ran on it, or it stopped). */
    public static Optional<ShipMarks> read(Connection connection) throws SQLException {
        long[] values = new long[NAMES.length];
        int found = 0;
        try (PreparedStatement query = connection.prepareStatement("SELECT name, total FROM counters WHERE name LIKE"
                + " 'shipped\\_%'"); ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                for (int i = 0; i < NAMES.length; i++) {
                    if (NAMES[i].equals(rows.getString(1))) {
                        values[i] = rows.getLong(2);
                        found++;
                    }
                }
            }
        }
        return found == 0 ? Optional.empty() : Optional.of(new ShipMarks(values[0], values[1], values[2], values[3]));
    }

    /** Records the marks (in their own small transaction: rows no other writer touches). */
    public void write(Database database) throws SQLException {
        long[] values = {eventChunks, reaps, processesBelow, usageMinuteMicros};
        try (Connection connection = database.connection();
             PreparedStatement merge = connection.prepareStatement("MERGE INTO counters (name, total) KEY (name)"
                     + " VALUES (?, ?)")) {
            for (int i = 0; i < NAMES.length; i++) {
                merge.setString(1, NAMES[i]);
                merge.setLong(2, values[i]);
                merge.addBatch();
            }
            merge.executeBatch();
        }
    }

    /** Writes marks of nothing shipped yet, where there are none: a first start with a fleet store. */
    public static void keepAllUnlessKnown(Database database) throws SQLException {
        try (Connection connection = database.connection()) {
            if (read(connection).isEmpty()) {
                new ShipMarks(0, 0, 0, 0).write(database);
            }
        }
    }

    /**
     * Forgets the marks: a daemon started without a fleet store no longer holds retention back
     * for one.
     *
     * @return true when there were marks
     */
    public static boolean clear(Database database) throws SQLException {
        try (Connection connection = database.connection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM counters WHERE name LIKE"
                     + " 'shipped\\_%'")) {
            return delete.executeUpdate() > 0;
        }
    }
}
