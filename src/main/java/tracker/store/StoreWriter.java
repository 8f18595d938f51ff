package tracker.store;

import java.sql.Connection;
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
    /** where each commit's number is kept beside the database; null for a writer that keeps none */
    private final CommitMarker marker;

    /** A writer that numbers its commits but keeps no marker file: for fixtures. */
    public StoreWriter(Jdbi jdbi) {
        this(jdbi, null);
    }

    private StoreWriter(Jdbi jdbi, CommitMarker marker) {
        this.jdbi = jdbi;
        this.marker = marker;
    }

    /**
     * The writer of {@code database}: every transaction it commits bumps the database's
     * {@code commit_seq} and then records it in the {@link CommitMarker} beside the file, so a
     * later start can tell a file that went back in time.
     */
    public static StoreWriter of(Database database) {
        return new StoreWriter(database.jdbi(), CommitMarker.of(database.path()));
    }

    /** Writes the whole batch in one transaction: all of it lands, or none. */
    public void write(CommitBatch batch) {
        try {
            writeInTransaction(batch);
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    /**
     * Numbers the transaction of {@code handle}; once it is committed, call {@link #recordCommit}.
     */
    private static long nextCommit(Handle handle) {
        handle.createUpdate("UPDATE counters SET total = total + 1 WHERE name = 'commit_seq'").execute();
        return handle.createQuery("SELECT total FROM counters WHERE name = 'commit_seq'").mapTo(Long.class)
                .findOne().orElse(0L);
    }

    /** After the commit: the marker never runs ahead of the database. */
    private void recordCommit(long commitSeq) {
        if (marker == null) {
            return;
        }
        try {
            marker.record(commitSeq);
            markerFailure = null;
        } catch (java.io.IOException e) {
            markerFailure = e.getMessage();
        }
    }

    private volatile String markerFailure;

    /** Why the last commit number could not be kept beside the database; null when it was. */
    public String markerFailure() {
        return markerFailure;
    }

    private void writeInTransaction(CommitBatch batch) throws SQLException {
        long commit = jdbi.inTransaction(handle -> {
            long seq = nextCommit(handle);
            insertProcesses(handle, batch.newProcesses);
            insertTags(handle.getConnection(), batch.newTags);
            updateLastSeen(handle, batch.lastSeen);
            // before the reaps: a reap copies its process's peak into the audit
            StoredPeaks.writeProcessPeaks(handle.getConnection(), batch.processPeaks);
            StoredPeaks.writeDevicePeaks(handle.getConnection(), batch.devicePeaks);
            // Reaps and ends first: each deletes every segment of its process. The batch's own
            // segments come after, so a process reaped in this window keeps only what it was
            // given after its reap (a snapshot; normally nothing).
            for (ReapRecord reap : batch.reaps) {
                writeReap(handle, reap);
            }
            for (int i = 0; i < batch.endedEmpty.size(); i++) {
                endProcess(handle, batch.endedEmpty.get(i), batch.endedEmptyReasons.get(i));
            }
            writeSegments(handle.getConnection(), batch.segments);
            insertChunks(handle, batch.chunks);
            if (batch.pruneBeforeMicros > 0) {
                batch.pruneResult = prune(handle, batch.pruneBeforeMicros);
            }
            updateCounters(handle, batch.counters);
            return seq;
        });
        recordCommit(commit);
    }

    /** Deletes history and audit records older than the cutoff, and processes ended before it. */
    public PruneResult prune(long cutoffMicros) {
        long[] commit = new long[1];
        PruneResult result;
        try {
            result = jdbi.inTransaction(handle -> {
                commit[0] = nextCommit(handle);
                return prune(handle, cutoffMicros);
            });
        } catch (SQLException e) {
            throw new StorageException(e);
        }
        recordCommit(commit[0]);
        return result;
    }

    private static PruneResult prune(Handle handle, long cutoffMicros) throws SQLException {
        var cutoff = Times.utc(cutoffMicros);
        // a database that ships to a fleet store keeps what the store does not have yet
        java.util.Optional<ShipMarks> shipped = ShipMarks.read(handle.getConnection());
        String chunksShipped = shipped.map(marks -> " AND id <= " + marks.eventChunks()).orElse("");
        String reapsShipped = shipped.map(marks -> " AND id <= " + marks.reaps()).orElse("");
        String processesShipped = shipped.map(marks -> " AND id < " + marks.processesBelow()).orElse("");
        long peaksCutoff = shipped.map(marks -> Math.min(cutoffMicros, marks.usageMinuteMicros())).orElse(cutoffMicros);
        keepIdFloors(handle);
        long events = handle.createQuery("SELECT COALESCE(SUM(event_count), 0) FROM event_chunks WHERE last_at < ?"
                        + chunksShipped).bind(0, cutoff).mapTo(Long.class).one();
        int chunks = handle.createUpdate("DELETE FROM event_chunks WHERE last_at < ?" + chunksShipped).bind(0, cutoff)
                .execute();
        // kept so that the events counter still adds up against the history that is left
        handle.createUpdate("UPDATE counters SET total = total + ? WHERE name = 'pruned_events'").bind(0, events)
                .execute();
        String prunedReaps = "SELECT id FROM reaps WHERE reaped_at < ?" + reapsShipped;
        handle.createUpdate("DELETE FROM reap_holdings WHERE reap_id IN (" + prunedReaps + ")")
                .bind(0, cutoff).execute();
        handle.createUpdate("DELETE FROM reap_totals WHERE reap_id IN (" + prunedReaps + ")")
                .bind(0, cutoff).execute();
        int reaps = handle.createUpdate("DELETE FROM reaps WHERE reaped_at < ?" + reapsShipped).bind(0, cutoff)
                .execute();
        StoredPeaks.prune(handle, peaksCutoff);
        String prunedProcesses = " WHERE ended_at < ?" + processesShipped
                + " AND NOT EXISTS (SELECT 1 FROM live_segments s WHERE s.process_id = processes.id)";
        handle.createUpdate("DELETE FROM process_tags WHERE process_id IN (SELECT id FROM processes" + prunedProcesses
                + ")").bind(0, cutoff).execute();
        handle.createUpdate("DELETE FROM process_peaks WHERE process_id IN (SELECT id FROM processes" + prunedProcesses
                + ")").bind(0, cutoff).execute();
        int processes = handle.createUpdate("DELETE FROM processes" + prunedProcesses).bind(0, cutoff).execute();
        return new PruneResult(chunks, events, reaps, processes);
    }

    /** The tables whose ids must never be handed out twice, even once their rows are pruned. */
    static final java.util.List<String> ID_TABLES = java.util.List.of("processes", "event_chunks", "reaps");

    /**
     * Keeps, before a prune, the highest id of each table in the counters: a prune that empties
     * a table must not make the next id 1 again (a fleet store keys rows by host and local id).
     */
    private static void keepIdFloors(Handle handle) {
        for (String table : ID_TABLES) {
            handle.createUpdate("MERGE INTO counters (name, total) KEY (name) SELECT 'id_floor_" + table + "',"
                    + " GREATEST(COALESCE((SELECT MAX(id) FROM " + table + "), 0), COALESCE((SELECT total FROM counters"
                    + " WHERE name = 'id_floor_" + table + "'), 0))").execute();
        }
    }

    private static void endProcess(Handle handle, ProcessRow process, String reason) {
        // it held nothing, but frees since its last snapshot may sit in segments
        handle.createUpdate("DELETE FROM live_segments WHERE process_id = ?").bind(0, process.id()).execute();
        handle.createUpdate("UPDATE processes SET ended_at = ?, end_reason = ?, last_seen = ? WHERE id = ?")
                .bind(0, Times.utc(process.lastSeenMicros()))
                .bind(1, reason)
                .bind(2, Times.utc(process.lastSeenMicros()))
                .bind(3, process.id())
                .execute();
    }

    /**
     * The audit record (with the records the process held and their totals), the delete of
     * its live segments and the end of the process: in the caller's transaction, so none of
     * it can land without the rest.
     */
    public static void writeReap(Handle handle, ReapRecord reap) throws SQLException {
        ProcessRow process = reap.process();
        ReapRecord.KindTotals totals = reap.kindTotals();
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
                .bind(11, (int) totals.count("BUFFER"))
                .bind(12, totals.bytes("BUFFER"))
                .bind(13, (int) totals.count("CB"))
                .bind(14, totals.bytes("CB"))
                .bind(15, (int) totals.count("KERNEL"))
                .bind(16, totals.bytes("KERNEL"))
                .execute();
        // the process's peak, as stored before the reap (a batch writes peaks first)
        handle.createUpdate("UPDATE reaps SET (peak_bytes, peak_at) = (SELECT peak_bytes, peak_at FROM processes"
                + " WHERE id = ?) WHERE id = ?").bind(0, process.id()).bind(1, reap.id()).execute();
        insertReapTotals(handle, reap);
        insertHoldings(handle.getConnection(), reap.id(), reap.held());
        handle.createUpdate("DELETE FROM live_segments WHERE process_id = ?").bind(0, process.id()).execute();
        handle.createUpdate("UPDATE processes SET ended_at = ?, end_reason = ?, last_seen = ? WHERE id = ?")
                .bind(0, Times.utc(reap.reapedAtMicros()))
                .bind(1, reap.reason())
                .bind(2, Times.utc(process.lastSeenMicros()))
                .bind(3, process.id())
                .execute();
    }

    private record TotalKey(int deviceId, String kind, String type) {
    }

    private static void insertReapTotals(Handle handle, ReapRecord reap) throws SQLException {
        // one pass over what may be 100,000 records; the kinds and types are few
        Map<TotalKey, long[]> totals = new java.util.HashMap<>();
        for (LiveRow row : reap.held()) {
            long[] total = totals.computeIfAbsent(new TotalKey(row.deviceId(), row.kind(), row.type()),
                    key -> new long[2]);
            total[0]++;
            total[1] += row.size();
        }
        try (PreparedStatement statement = handle.getConnection().prepareStatement("INSERT INTO reap_totals"
                + " (reap_id, device_id, kind, type, records, bytes) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<TotalKey, long[]> entry : totals.entrySet()) {
                statement.setLong(1, reap.id());
                statement.setInt(2, entry.getKey().deviceId());
                statement.setString(3, entry.getKey().kind());
                statement.setString(4, entry.getKey().type());
                statement.setLong(5, entry.getValue()[0]);
                statement.setLong(6, entry.getValue()[1]);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /**
     * What a reaped process held, in parts, in the given order: readers sort what they show
     * (a reap is written often, read rarely).
     */
    public static void insertHoldings(Connection connection, long reapId, List<LiveRow> held) throws SQLException {
        List<LiveSetCodec.Blob> blobs = LiveSetCodec.encodeAll(held, LiveSegments.ENTRIES_PER_SEGMENT);
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO reap_holdings"
                + " (reap_id, part, entries, encoding, data) VALUES (?, ?, ?, ?, ?)")) {
            for (int part = 0; part < blobs.size(); part++) {
                statement.setLong(1, reapId);
                statement.setInt(2, part);
                statement.setInt(3, blobs.get(part).entries());
                statement.setInt(4, StoredBlob.SEALED);
                statement.setBytes(5, StoredBlob.seal(blobs.get(part).data()));
                statement.addBatch();
            }
            statement.executeBatch();
        }
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

    private static void insertTags(Connection connection, List<TagRow> tags) throws SQLException {
        if (tags.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "INSERT INTO process_tags (process_id, tag_key, tag_value) VALUES (?, ?, ?)")) {
            for (TagRow tag : tags) {
                statement.setLong(1, tag.processId());
                statement.setString(2, tag.key());
                statement.setString(3, tag.value());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void updateLastSeen(Handle handle, Map<Long, Long> lastSeen) {
        if (lastSeen.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("UPDATE processes SET last_seen = ? WHERE id = ?");
        lastSeen.forEach((id, micros) -> batch.bind(0, Times.utc(micros)).bind(1, id).add());
        batch.execute();
    }

    /** Inserts segments; a snapshot first deletes its process's earlier ones. */
    public static void writeSegments(Connection connection, List<SegmentRow> segments) throws SQLException {
        if (segments.isEmpty()) {
            return;
        }
        try (PreparedStatement compact = connection.prepareStatement(
                "DELETE FROM live_segments WHERE process_id = ? AND seq < ?")) {
            for (SegmentRow segment : segments) {
                if (segment.snapshot()) {
                    compact.setLong(1, segment.processId());
                    compact.setLong(2, segment.seq());
                    compact.addBatch();
                }
            }
            compact.executeBatch();
        }
        // plain JDBC on the hot batches: Jdbi's per-bind argument resolution costs more than H2's insert
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO live_segments"
                + " (process_id, seq, snapshot, entries, encoding, data) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (SegmentRow segment : segments) {
                if (segment.entries() == 0) {
                    continue;
                }
                insert.setLong(1, segment.processId());
                insert.setLong(2, segment.seq());
                insert.setBoolean(3, segment.snapshot());
                insert.setInt(4, segment.entries());
                insert.setInt(5, StoredBlob.SEALED);
                insert.setBytes(6, StoredBlob.seal(segment.data()));
                insert.addBatch();
            }
            insert.executeBatch();
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
                statement.setInt(7, EventChunkCodec.STORED_ENCODING);
                statement.setBytes(8, StoredBlob.seal(chunk.data()));
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static void updateCounters(Handle handle, Map<String, Long> counters) {
        if (counters.isEmpty()) {
            return;
        }
        List<Map.Entry<String, Long>> entries = List.copyOf(counters.entrySet());
        PreparedBatch batch = handle.prepareBatch("UPDATE counters SET total = ? WHERE name = ?");
        entries.forEach(entry -> batch.bind(0, entry.getValue()).bind(1, entry.getKey()).add());
        int[] updated = batch.execute();
        // a counter newer than the database file gets its row on its first commit
        for (int i = 0; i < updated.length; i++) {
            if (updated[i] == 0) {
                handle.createUpdate("INSERT INTO counters (name, total) VALUES (?, ?)")
                        .bind(0, entries.get(i).getKey()).bind(1, entries.get(i).getValue()).execute();
            }
        }
    }

    /**
     * Reaps a process straight from the file (start-up, or {@code tracker reap} with no
     * daemon): its rows, the audit record and the delete in one transaction.
     *
     * @return the audit record, or null when the process held nothing
     */
    public ReapRecord reapStored(ProcessRow process, String reason, long nowMicros) {
        try {
            long[] commit = {-1};
            ReapRecord reaped = jdbi.inTransaction(handle -> {
                List<LiveRow> held = List.copyOf(LiveSegments.readProcess(handle.getConnection(), process.id()));
                if (held.isEmpty()) {
                    return null;
                }
                commit[0] = nextCommit(handle);
                ReapRecord reap = new ReapRecord(StoredState.nextId(handle, "reaps"), process, nowMicros, reason,
                        held);
                writeReap(handle, reap);
                return reap;
            });
            if (commit[0] >= 0) {
                recordCommit(commit[0]);
            }
            return reaped;
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }
}
