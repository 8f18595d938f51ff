package tracker.fleet;

import java.sql.Connection;
import java.sql.SQLException;
import tracker.store.Database;

/** Checks that the local file is the one that shipped what the store has of this host. */
final class LocalIds {

    private LocalIds() {
    }

    /**
     * A store mark beyond every id of the local file means another file shipped under this
     * host's name (a new or restored database): its ids would collide with the shipped ones.
     */
    static void refuseIfBehind(Database database, ShipState state) throws SQLException {
        try (Connection local = database.connection()) {
            check(local, "event_chunks", state.chunkMark);
            check(local, "reaps", state.reapMark);
        }
    }

    private static void check(Connection local, String table, long mark) throws SQLException {
        long highest = Rows.asLong(Rows.read(local, "SELECT GREATEST(COALESCE(MAX(id), 0), COALESCE((SELECT total"
                + " FROM counters WHERE name = 'id_floor_" + table + "'), 0)) FROM " + table).get(0)[0]);
        if (highest < mark) {
            throw new IllegalStateException("the fleet store already holds " + table + " up to id " + mark
                    + " of this host, and this database only reaches " + highest + ": it is not the database that"
                    + " shipped them (a new or restored file?); ship it under another --host-name");
        }
    }
}
