package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the live set back from {@code live_segments}: per process, its segments replayed
 * in order from its latest snapshot.
 */
public final class LiveSegments {

    /** Entries per stored blob: bounds a row to about a megabyte. */
    public static final int ENTRIES_PER_SEGMENT = 65_536;

    private LiveSegments() {
    }

    /**
     * The whole live set of a process as snapshot segments (the first replaces the process's
     * earlier ones; an empty live set gives one empty snapshot, which only deletes them).
     */
    public static List<SegmentRow> snapshotOf(long processId, java.util.function.LongSupplier nextSeq,
                                              List<LiveRow> rows) {
        List<LiveSetCodec.Blob> blobs = LiveSetCodec.encodeAll(rows, ENTRIES_PER_SEGMENT);
        if (blobs.isEmpty()) {
            return List.of(new SegmentRow(processId, nextSeq.getAsLong(), true, 0, new byte[0]));
        }
        List<SegmentRow> segments = new ArrayList<>(blobs.size());
        for (LiveSetCodec.Blob blob : blobs) {
            segments.add(new SegmentRow(processId, nextSeq.getAsLong(), segments.isEmpty(), blob.entries(),
                    blob.data()));
        }
        return segments;
    }

    /** Replays one blob on its own: its rows by key. */
    static Map<LiveKeyRow, LiveRow> replay(byte[] blob, long processId) {
        Replay replay = new Replay(processId);
        LiveSetCodec.decode(blob, processId, replay);
        return replay.rows;
    }

    /** One process's stored live set, and how many entries its segments hold (for compaction). */
    public record ProcessLiveSet(long processId, Collection<LiveRow> rows, long storedEntries) {
    }

    /** Every process's live set, in process id order. */
    public static List<ProcessLiveSet> readAll(Connection connection) throws SQLException {
        List<ProcessLiveSet> sets = new ArrayList<>();
        read(connection, null, sets::add);
        return sets;
    }

    /**
     * Every process's live set in process id order, handed on one at a time: a reader that
     * totals or filters holds one process's records, not the whole live set.
     */
    public static void forEachProcess(Connection connection, Long processId, Consumer<ProcessLiveSet> sink)
            throws SQLException {
        read(connection, processId, sink);
    }

    /** The live rows of one process; empty when it holds nothing. */
    public static Collection<LiveRow> readProcess(Connection connection, long processId) throws SQLException {
        List<ProcessLiveSet> sets = new ArrayList<>(1);
        read(connection, processId, sets::add);
        return sets.isEmpty() ? List.of() : sets.get(0).rows();
    }

    /** Every live row, flat. */
    public static List<LiveRow> readAllRows(Connection connection) throws SQLException {
        List<LiveRow> rows = new ArrayList<>();
        read(connection, null, set -> rows.addAll(set.rows()));
        return rows;
    }

    private static void read(Connection connection, Long processId, Consumer<ProcessLiveSet> sink)
            throws SQLException {
        String sql = "SELECT process_id, snapshot, entries, encoding, data, seq FROM live_segments"
                + (processId == null ? "" : " WHERE process_id = ?") + " ORDER BY process_id, seq";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (processId != null) {
                statement.setLong(1, processId);
            }
            try (ResultSet rs = statement.executeQuery()) {
                Replay replay = null;
                while (rs.next()) {
                    long owner = rs.getLong(1);
                    if (replay == null || replay.processId != owner) {
                        emit(replay, sink);
                        replay = new Replay(owner);
                    }
                    if (rs.getBoolean(2)) {
                        replay.rows.clear();
                        replay.entries = 0;
                    }
                    replay.entries += rs.getInt(3);
                    long seq = rs.getLong(6);
                    byte[] payload = StoredBlob.open(rs.getInt(4), rs.getBytes(5),
                            () -> "live-set segment " + seq + " of process " + owner);
                    LiveSetCodec.decode(payload, owner, replay);
                }
                emit(replay, sink);
            }
        }
    }

    private static void emit(Replay replay, Consumer<ProcessLiveSet> sink) {
        if (replay != null && !replay.rows.isEmpty()) {
            sink.accept(new ProcessLiveSet(replay.processId, replay.rows.values(), replay.entries));
        }
    }

    /** Applies one process's entries in order. */
    private static final class Replay implements LiveSetCodec.Sink {
        final long processId;
        final Map<LiveKeyRow, LiveRow> rows = new LinkedHashMap<>();
        long entries;

        Replay(long processId) {
            this.processId = processId;
        }

        @Override
        public void put(LiveRow row) {
            rows.put(new LiveKeyRow(row.kind(), row.deviceId(), row.bufferId()), row);
        }

        @Override
        public void delete(LiveKeyRow key) {
            rows.remove(key);
        }
    }
}
