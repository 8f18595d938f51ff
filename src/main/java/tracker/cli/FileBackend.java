package tracker.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import tracker.log.EventLog;
import tracker.proc.ProcFs;
import tracker.proc.ProcessProbe;
import tracker.reaper.Reaper;
import tracker.reaper.StoredReapTarget;
import tracker.server.ServerMetrics;
import tracker.store.Database;
import tracker.store.PruneResult;
import tracker.store.ReapRecord;
import tracker.store.StoreWriter;
import tracker.store.Times;

/** Answers from the database file itself: no daemon runs (or it crashed). */
final class FileBackend implements Backend {

    private final Database database;
    private final Clock clock;

    private FileBackend(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    static Factory factory(Clock clock) {
        return (path, write) -> {
            DatabaseAccess.check(path, write);
            return new FileBackend(Database.open(path, write ? Database.Access.READ_WRITE : Database.Access.READ_ONLY),
                    clock);
        };
    }

    @Override
    public Jdbi jdbi() {
        return database.jdbi();
    }

    @Override
    public <T> T withConnection(ConnectionWork<T> work) {
        try (java.sql.Connection connection = database.connection()) {
            return work.apply(connection);
        } catch (java.sql.SQLException e) {
            throw Backend.readFailed(e);
        }
    }

    @Override
    public java.sql.Connection readerConnection() throws java.sql.SQLException {
        return database.readerConnection();
    }

    @Override
    public Optional<ServerMetrics.Snapshot> daemonFigures() {
        return Optional.empty();
    }

    @Override
    public tracker.device.DeviceCapacities capacities() {
        String file = System.getenv("TRACKER_DEVICE_INFO");
        try {
            return tracker.device.DeviceCapacities.load(file == null || file.isBlank() ? null : Path.of(file));
        } catch (java.io.IOException | IllegalArgumentException e) {
            // a report is still worth having without sizes: the daemon itself refuses a bad file
            return tracker.device.DeviceCapacities.none();
        }
    }

    @Override
    public List<ReapRecord> reapNow() {
        EventLog quiet = new EventLog(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), clock, false);
        try (Reaper reaper = new Reaper(new StoredReapTarget(database, this::nowMicros),
                new ProcessProbe(new ProcFs()), quiet, this::nowMicros)) {
            return reaper.reapNow();
        }
    }

    @Override
    public PruneResult prune(long cutoffMicros) {
        return StoreWriter.of(database).prune(cutoffMicros);
    }

    private long nowMicros() {
        return Times.micros(clock.instant());
    }

    @Override
    public void close() {
        database.close();
    }

    static Path describe(Path path) {
        return Database.fileOf(path);
    }
}
