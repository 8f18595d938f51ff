package tracker.cli;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import tracker.server.ServerMetrics;
import tracker.store.PruneResult;
import tracker.store.ReapRecord;

/**
 * Where a command gets its answers: the running daemon (its data, its writer, its reaper),
 * or the database file opened directly when no daemon runs. Commands give the same answers
 * through either.
 */
interface Backend extends AutoCloseable {

    Jdbi jdbi();

    /** The running daemon's live figures; empty when answering from the file. */
    Optional<ServerMetrics.Snapshot> daemonFigures();

    /** One reaper pass now. */
    List<ReapRecord> reapNow();

    PruneResult prune(long cutoffMicros);

    @Override
    void close();

    /** Opens a backend for one command. */
    interface Factory {
        /**
         * @param write true for commands that change the database (reap, prune)
         */
        Backend open(java.nio.file.Path database, boolean write);
    }
}
