package tracker.cli;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import tracker.server.ServerMetrics;
import tracker.store.DatabaseUnavailableException;
import tracker.store.PruneResult;
import tracker.store.ReapRecord;

/**
 * Where a command gets its answers: the running daemon (its data, its writer, its reaper),
 * or the database file opened directly when no daemon runs. Commands give the same answers
 * through either.
 */
interface Backend extends AutoCloseable {

    Jdbi jdbi();

    /**
     * Runs {@code work} on a connection to the database, with plain JDBC: a reader that maps
     * its rows itself does not need Jdbi, whose start (its SQL parser above all) is a good
     * part of a one-shot command reading the file.
     */
    default <T> T withConnection(ConnectionWork<T> work) {
        return jdbi().withHandle(handle -> {
            try {
                return work.apply(handle.getConnection());
            } catch (SQLException e) {
                throw readFailed(e);
            }
        });
    }

    /** What {@link #withConnection} runs. */
    interface ConnectionWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    static DatabaseUnavailableException readFailed(SQLException e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return new DatabaseUnavailableException("cannot read the database: "
                + (newline < 0 ? message : message.substring(0, newline)), e);
    }

    /**
     * A new session as the database's read-only user, for {@code tracker sql}: on the daemon's
     * open database, or on the file opened read-only. The caller closes it.
     */
    Connection readerConnection() throws SQLException;

    /** The hosts a fleet store's answer is for; empty for a host's own database. */
    default Optional<FleetScope> fleet() {
        return Optional.empty();
    }

    /** The running daemon's live figures; empty when answering from the file. */
    Optional<ServerMetrics.Snapshot> daemonFigures();

    /**
     * Each device's memory sizes: the running daemon's (its --device-info, else sysfs), or,
     * answering from the file, those of TRACKER_DEVICE_INFO, else this host's sysfs.
     */
    tracker.device.DeviceCapacities capacities();

    /** The running daemon's figures for {@code tracker top}, from its memory; empty when answering from the file. */
    default Optional<tracker.server.TopFigures> topFigures() {
        return Optional.empty();
    }

    /** One reaper pass now. */
    List<ReapRecord> reapNow();

    PruneResult prune(long cutoffMicros);

    @Override
    void close();

    /** Opens a backend for one command. */
    interface Factory {
        /**
         * Whether a command may read a fleet store (--db postgresql://...) here: not inside the
         * daemon, where a client of its command socket would make the daemon connect out, as its
         * own user with its credentials, to a server the client names.
         */
        default boolean readsFleetStores() {
            return true;
        }

        /**
         * @param write true for commands that change the database (reap, prune)
         */
        Backend open(java.nio.file.Path database, boolean write);

        /**
         * The live figures of the daemon serving {@code database}, when these commands run inside
         * it; empty elsewhere (the view then asks the daemon through its command socket).
         */
        default Optional<tracker.server.TopFigures> liveFigures(java.nio.file.Path database) {
            return Optional.empty();
        }
    }
}
