package tracker.cli;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import tracker.server.ServerMetrics;
import tracker.server.TrackerDaemon;
import tracker.store.PruneResult;
import tracker.store.ReapRecord;

/** Answers inside the running daemon, for commands that arrived on its command socket. */
final class DaemonBackend implements Backend {

    private final TrackerDaemon daemon;

    private DaemonBackend(TrackerDaemon daemon) {
        this.daemon = daemon;
    }

    static Factory factory(TrackerDaemon daemon) {
        return new Factory() {
            @Override
            public Backend open(java.nio.file.Path path, boolean write) {
                checkServes(daemon, path);
                return new DaemonBackend(daemon);
            }

            @Override
            public Optional<tracker.server.TopFigures> liveFigures(java.nio.file.Path path) {
                checkServes(daemon, path);
                return new DaemonBackend(daemon).topFigures();
            }

            @Override
            public boolean readsFleetStores() {
                return false;
            }
        };
    }

    private static void checkServes(TrackerDaemon daemon, java.nio.file.Path path) {
        if (!path.toAbsolutePath().normalize().equals(daemon.config().database().toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("this daemon serves " + daemon.config().database() + ", not " + path);
        }
    }

    @Override
    public Jdbi jdbi() {
        return daemon.database().jdbi();
    }

    @Override
    public java.sql.Connection readerConnection() throws java.sql.SQLException {
        return daemon.database().readerConnection();
    }

    @Override
    public Optional<ServerMetrics.Snapshot> daemonFigures() {
        return Optional.of(daemon.metrics());
    }

    @Override
    public tracker.device.DeviceCapacities capacities() {
        return daemon.capacities();
    }

    @Override
    public Optional<tracker.server.TopFigures> topFigures() {
        try {
            return Optional.of(daemon.top());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    @Override
    public List<ReapRecord> reapNow() {
        return daemon.reaper().reapNow();
    }

    @Override
    public PruneResult prune(long cutoffMicros) {
        try {
            return daemon.prune(cutoffMicros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    @Override
    public void close() {
        // the daemon owns its database
    }
}
