package tracker.store;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What the daemon reloads at start-up: the live set, the processes that own it, and where
 * its id sequences and counters stand.
 */
public record StoredState(
        List<ProcessRow> owners,
        List<LiveSegments.ProcessLiveSet> live,
        long nextProcessId,
        long nextChunkId,
        long nextReapId,
        long nextSegmentSeq,
        Map<String, Long> counters,
        Map<Long, ProcessPeaksRow> peaks) {

    public static StoredState load(Jdbi jdbi) {
        try {
            return jdbi.inTransaction(StoredState::read);
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    private static StoredState read(Handle handle) throws SQLException {
        return new StoredState(
                Queries.processesHoldingRecords(handle),
                LiveSegments.readAll(handle.getConnection()),
                nextId(handle, "processes"),
                nextId(handle, "event_chunks"),
                nextId(handle, "reaps"),
                handle.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM live_segments").mapTo(Long.class).one(),
                Queries.counters(handle),
                StoredPeaks.ofLiveProcesses(handle));
    }

    static long nextId(Handle handle, String table) {
        // past the highest id a prune removed (StoreWriter.keepIdFloors): ids are never reused
        return handle.createQuery("SELECT GREATEST(COALESCE(MAX(id), 0), COALESCE((SELECT total FROM counters"
                + " WHERE name = 'id_floor_" + table + "'), 0)) + 1 FROM " + table).mapTo(Long.class).one();
    }
}
