package tracker.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Every mutation of the database goes through here: group commits, reaps, prunes. Callers
 * make sure only one thread writes at a time (the daemon's writer thread, or a CLI command
 * that holds the file alone).
 */
public final class StoreWriter {

    private final Jdbi jdbi;

    public StoreWriter(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Writes the whole batch in one transaction: all of it lands, or none. */
    public void write(CommitBatch batch) {
        try {
            writeInTransaction(batch);
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    private void writeInTransaction(CommitBatch batch) throws SQLException {
        jdbi.useTransaction(handle -> {
            insertProcesses(handle, batch.newProcesses);
            updateLastSeen(handle, batch.lastSeen);
            // Order matters. Frees and reference counts first, so that a reap copies exactly what
            // its process held; then the reaps, each deleting every row its process owned; then
            // the new rows, among which any of the reaped process's from after the reap, and any
            // reuse of a reaped address by another process.
            deleteLive(handle, batch.deletes);
            updateRefCounts(handle, batch.refCountUpdates);
            for (ReapRecord reap : batch.reaps) {
                writeReap(handle, reap);
            }
            insertLive(handle, "allocations", batch.inserts, null);
            insertChunks(handle, batch.chunks);
            for (int i = 0; i < batch.endedEmpty.size(); i++) {
                endProcess(handle, batch.endedEmpty.get(i), batch.endedEmptyReasons.get(i));
            }
            if (batch.pruneBeforeMicros > 0) {
                batch.pruneResult = prune(handle, batch.pruneBeforeMicros);
            }
            updateCounters(handle, batch.counters);
        });
    }

    /** Deletes history and audit records older than the cutoff, and processes ended before it. */
    public PruneResult prune(long cutoffMicros) {
        return jdbi.inTransaction(handle -> prune(handle, cutoffMicros));
    }

    private static PruneResult prune(Handle handle, long cutoffMicros) {
        var cutoff = Times.utc(cutoffMicros);
        long events = handle.createQuery("SELECT COALESCE(SUM(event_count), 0) FROM event_chunks WHERE last_at < ?")
                .bind(0, cutoff).mapTo(Long.class).one();
        int chunks = handle.createUpdate("DELETE FROM event_chunks WHERE last_at < ?").bind(0, cutoff).execute();
        handle.createUpdate("DELETE FROM reaped_allocations WHERE reap_id IN (SELECT id FROM reaps WHERE reaped_at < ?)")
                .bind(0, cutoff).execute();
        int reaps = handle.createUpdate("DELETE FROM reaps WHERE reaped_at < ?").bind(0, cutoff).execute();
        int processes = handle.createUpdate("DELETE FROM processes WHERE ended_at < ?"
                        + " AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.process_id = processes.id)")
                .bind(0, cutoff).execute();
        return new PruneResult(chunks, events, reaps, processes);
    }

    private static void endProcess(Handle handle, ProcessRow process, String reason) {
        handle.createUpdate("UPDATE processes SET ended_at = ?, end_reason = ?, last_seen = ? WHERE id = ?")
                .bind(0, Times.utc(process.lastSeenMicros()))
                .bind(1, reason)
                .bind(2, Times.utc(process.lastSeenMicros()))
                .bind(3, process.id())
                .execute();
    }

    /**
     * The audit record, the rows the process held, the delete of its live rows and the end of
     * the process: in the caller's transaction, so none of it can land without the rest.
     */
    public static void writeReap(Handle handle, ReapRecord reap) throws SQLException {
        ProcessRow process = reap.process();
        handle.createUpdate("INSERT INTO reaps (id, process_id, pid, reported_pid, start_ticks, uid, command,"
                        + " first_seen, last_seen, reaped_at, reason, buffers, buffer_bytes, cbs, cb_bytes, kernels,"
                        + " kernel_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(0, reap.id())
                .bind(1, process.id())
                .bind(2, process.pid())
                .bind(3, process.reportedPid())
                .bind(4, process.startTicks())
                .bind(5, process.uid())
                .bind(6, process.command())
                .bind(7, Times.utc(process.firstSeenMicros()))
                .bind(8, Times.utc(process.lastSeenMicros()))
                .bind(9, Times.utc(reap.reapedAtMicros()))
                .bind(10, reap.reason())
                .bind(11, (int) reap.count("BUFFER"))
                .bind(12, reap.bytes("BUFFER"))
                .bind(13, (int) reap.count("CB"))
                .bind(14, reap.bytes("CB"))
                .bind(15, (int) reap.count("KERNEL"))
                .bind(16, reap.bytes("KERNEL"))
                .execute();
        // the rows already stored are copied inside the database, in one statement; only those of
        // the open window travel from memory
        handle.createUpdate("INSERT INTO reaped_allocations (reap_id, kind, device_id, buffer_id, type, size,"
                        + " ref_count, allocated_at) SELECT ?, kind, device_id, buffer_id, type, size, ref_count,"
                        + " allocated_at FROM allocations WHERE process_id = ?")
                .bind(0, reap.id())
                .bind(1, process.id())
                .execute();
        insertLive(handle, "reaped_allocations", reap.notStored(), reap.id());
        handle.createUpdate("DELETE FROM allocations WHERE process_id = ?").bind(0, process.id()).execute();
        handle.createUpdate("UPDATE processes SET ended_at = ?, end_reason = ?, last_seen = ? WHERE id = ?")
                .bind(0, Times.utc(reap.reapedAtMicros()))
                .bind(1, reap.reason())
                .bind(2, Times.utc(process.lastSeenMicros()))
                .bind(3, process.id())
                .execute();
    }

    private static void insertProcesses(Handle handle, List<ProcessRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("INSERT INTO processes (id, pid, reported_pid, start_ticks, boot_id,"
                + " uid, command, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (ProcessRow row : rows) {
            batch.bind(0, row.id()).bind(1, row.pid()).bind(2, row.reportedPid()).bind(3, row.startTicks())
                    .bind(4, row.bootId()).bind(5, row.uid()).bind(6, row.command())
                    .bind(7, Times.utc(row.firstSeenMicros())).bind(8, Times.utc(row.lastSeenMicros())).add();
        }
        batch.execute();
    }

    private static void updateLastSeen(Handle handle, Map<Long, Long> lastSeen) {
        if (lastSeen.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("UPDATE processes SET last_seen = ? WHERE id = ?");
        lastSeen.forEach((id, micros) -> batch.bind(0, Times.utc(micros)).bind(1, id).add());
        batch.execute();
    }

    private static void deleteLive(Handle handle, List<LiveKeyRow> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        // plain JDBC on the hot batches: Jdbi's per-bind argument resolution costs more than H2's insert
        try (PreparedStatement statement = handle.getConnection().prepareStatement(
                "DELETE FROM allocations WHERE kind = ? AND device_id = ? AND buffer_id = ?")) {
            for (LiveKeyRow key : keys) {
                statement.setString(1, key.kind());
                statement.setInt(2, key.deviceId());
                statement.setLong(3, key.bufferId());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void insertLive(Handle handle, String table, List<LiveRow> rows, Long reapId) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        String owner = reapId == null ? "process_id" : "reap_id";
        try (PreparedStatement statement = handle.getConnection().prepareStatement("INSERT INTO " + table
                + " (kind, device_id, buffer_id, type, size, ref_count, allocated_at, " + owner + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (LiveRow row : rows) {
                statement.setString(1, row.kind());
                statement.setInt(2, row.deviceId());
                statement.setLong(3, row.bufferId());
                statement.setString(4, row.type());
                statement.setLong(5, row.size());
                statement.setInt(6, row.refCount());
                statement.setObject(7, Times.utc(row.allocatedAtMicros()));
                statement.setLong(8, reapId == null ? row.processId() : reapId);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void updateRefCounts(Handle handle, List<LiveRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = handle.getConnection().prepareStatement(
                "UPDATE allocations SET ref_count = ? WHERE kind = ? AND device_id = ? AND buffer_id = ?")) {
            for (LiveRow row : rows) {
                statement.setInt(1, row.refCount());
                statement.setString(2, row.kind());
                statement.setInt(3, row.deviceId());
                statement.setLong(4, row.bufferId());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void insertChunks(Handle handle, List<ChunkRow> chunks) throws SQLException {
        if (chunks.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = handle.getConnection().prepareStatement("INSERT INTO event_chunks"
                + " (id, process_id, pid, first_at, last_at, event_count, encoding, data)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (ChunkRow chunk : chunks) {
                statement.setLong(1, chunk.id());
                statement.setLong(2, chunk.processId());
                statement.setObject(3, chunk.pid());
                statement.setObject(4, Times.utc(chunk.firstMicros()));
                statement.setObject(5, Times.utc(chunk.lastMicros()));
                statement.setInt(6, chunk.eventCount());
                statement.setInt(7, EventChunkCodec.ENCODING_V1);
                statement.setBytes(8, chunk.data());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void updateCounters(Handle handle, Map<String, Long> counters) {
        if (counters.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("UPDATE counters SET total = ? WHERE name = ?");
        counters.forEach((name, value) -> batch.bind(0, value).bind(1, name).add());
        batch.execute();
    }

    /**
     * Reaps a process straight from the file (start-up, or {@code tracker reap} with no
     * daemon): its rows, the audit record and the delete in one transaction.
     *
     * @return the audit record, or null when the process held nothing
     */
    public ReapRecord reapStored(ProcessRow process, String reason, long nowMicros) {
        try {
            return jdbi.inTransaction(handle -> {
                List<LiveRow> held = Queries.liveRowsOf(handle, process.id());
                if (held.isEmpty()) {
                    return null;
                }
                ReapRecord reap = new ReapRecord(StoredState.nextId(handle, "reaps"), process, nowMicros, reason,
                        held);
                writeReap(handle, reap);
                return reap;
            });
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }
}
