package tracker.store;

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
        List<LiveRow> live,
        long nextProcessId,
        long nextChunkId,
        long nextReapId,
        Map<String, Long> counters) {

    public static StoredState load(Jdbi jdbi) {
        return jdbi.inTransaction(handle -> new StoredState(
                Queries.processesHoldingRecords(handle),
                handle.createQuery("SELECT kind, device_id, buffer_id, type, size, ref_count, process_id, allocated_at"
                        + " FROM allocations").map(Queries::liveRow).list(),
                nextId(handle, "processes"),
                nextId(handle, "event_chunks"),
                nextId(handle, "reaps"),
                Queries.counters(handle)));
    }

    static long nextId(Handle handle, String table) {
        return handle.createQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table).mapTo(Long.class).one();
    }
}
