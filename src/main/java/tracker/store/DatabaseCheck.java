package tracker.store;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a whole database, in one snapshot: every stored blob passes its checksum and
 * decodes; the live set belongs to processes that exist and have not ended; each reap's
 * totals match what it held; the event counter adds up against the history; and the
 * database is not older than what was last committed to it. Reads only. Not thread-safe;
 * one instance per check.
 */
public final class DatabaseCheck {

    /** One thing found wrong: what it concerns, and what is wrong with it. */
    public record Problem(String object, String problem) {
    }

    /** What was checked, and what was found. */
    public record Result(long historyChunks, long historyEvents, long liveSegments, long liveRecords,
                         long reapHoldings, long heldRecords, List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** Problems beyond this many are counted, not listed: a wholly damaged file must not flood the output. */
    static final int MAX_LISTED = 1_000;

    private final List<Problem> problems = new ArrayList<>();
    private long unlisted;

    private DatabaseCheck() {
    }

    /**
     * The commit number recorded beside the database, read before the snapshot the check reads:
     * a commit landing meanwhile only raises the database's own number, never the other way.
     *
     * @return -1 when there is no marker; a problem is noted for an unreadable one
     */
    public static long markerBefore(Path database) {
        try {
            return CommitMarker.of(database).read();
        } catch (IOException | CorruptBlobException e) {
            return -2;
        }
    }

    /**
     * @param database       the database path (without H2's suffix), to name its commit marker;
     *                       null to skip that check
     * @param markerRecorded what {@link #markerBefore} read before the snapshot began
     */
    public static Result run(Connection connection, Path database, long markerRecorded) throws SQLException {
        return new DatabaseCheck().check(connection, database, markerRecorded);
    }

    private Result check(Connection connection, Path database, long markerRecorded) throws SQLException {
        Map<String, Long> counters = counters(connection);
        long[] history = checkHistory(connection);
        Map<Long, Boolean> processes = processes(connection);
        long[] live = checkLiveSet(connection, processes);
        long[] held = checkHoldings(connection);
        checkCounters(counters, history[1]);
        if (database != null) {
            checkCommitMarker(database, markerRecorded, counters.getOrDefault("commit_seq", 0L));
        }
        if (unlisted > 0) {
            problems.add(new Problem("database", unlisted + " more problems not listed"));
        }
        return new Result(history[0], history[1], live[0], live[1], held[0], held[1], List.copyOf(problems));
    }

    private void report(String object, String problem) {
        if (problems.size() < MAX_LISTED) {
            problems.add(new Problem(object, problem));
        } else {
            unlisted++;
        }
    }

    /** @return chunks and events checked */
    private long[] checkHistory(Connection connection) throws SQLException {
        long chunks = 0;
        long events = 0;
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT id, process_id, pid, event_count, encoding, data FROM event_chunks ORDER BY id");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                chunks++;
                long id = rows.getLong(1);
                String name = "history chunk " + id;
                int expected = rows.getInt(4);
                int[] decoded = {0};
                boolean[] invented = {false};
                try {
                    int encoding = rows.getInt(5);
                    byte[] payload = StoredBlob.open(encoding, EventChunkCodec.STORED_ENCODING, rows.getBytes(6),
                            () -> name);
                    EventChunkCodec.decode(payload, encoding, rows.getLong(2), (Integer) rows.getObject(3), event -> {
                        decoded[0]++;
                        invented[0] |= !plausible(event);
                    });
                } catch (CorruptBlobException e) {
                    report(name, e.getMessage());
                    continue;
                } catch (RuntimeException e) {
                    report(name, "does not decode: " + e);
                    continue;
                }
                if (decoded[0] != expected) {
                    report(name, "holds " + decoded[0] + " events, its row says " + expected);
                }
                if (invented[0]) {
                    report(name, "decodes into events no client can send (unknown type or device)");
                }
                events += expected;
            }
        }
        return new long[] {chunks, events};
    }

    private static boolean plausible(HistoryEvent event) {
        return event.typeCode() >= 1 && event.typeCode() <= 12 && event.deviceId() >= 0
                && event.deviceId() <= tracker.wire.FrameCheck.MAX_DEVICE_ID;
    }

    /** Process id: whether it has ended. */
    private static Map<Long, Boolean> processes(Connection connection) throws SQLException {
        Map<Long, Boolean> ended = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT id, ended_at FROM processes");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                ended.put(rows.getLong(1), rows.getObject(2) != null);
            }
        }
        return ended;
    }

    /** @return segments and live records checked */
    private long[] checkLiveSet(Connection connection, Map<Long, Boolean> processes) throws SQLException {
        long segments = 0;
        Map<Long, Map<LiveKeyRow, LiveRow>> byProcess = new HashMap<>();
        Set<Long> damaged = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT process_id, seq, snapshot, encoding, data FROM live_segments ORDER BY process_id, seq");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                segments++;
                long owner = rows.getLong(1);
                long seq = rows.getLong(2);
                String name = "live-set segment " + seq + " of process " + owner;
                Map<LiveKeyRow, LiveRow> set = byProcess.computeIfAbsent(owner, o -> new HashMap<>());
                if (rows.getBoolean(3)) {
                    set.clear();
                }
                try {
                    byte[] payload = StoredBlob.open(rows.getInt(4), rows.getBytes(5), () -> name);
                    LiveSetCodec.decode(payload, owner, new LiveSetCodec.Sink() {
                        @Override
                        public void put(LiveRow row) {
                            set.put(new LiveKeyRow(row.kind(), row.deviceId(), row.bufferId()), row);
                        }

                        @Override
                        public void delete(LiveKeyRow key) {
                            set.remove(key);
                        }
                    });
                } catch (CorruptBlobException e) {
                    damaged.add(owner);
                    report(name, e.getMessage());
                } catch (RuntimeException e) {
                    damaged.add(owner);
                    report(name, "does not decode: " + e);
                }
            }
        }
        long records = 0;
        for (Map.Entry<Long, Map<LiveKeyRow, LiveRow>> entry : byProcess.entrySet()) {
            records += entry.getValue().size();
            if (entry.getValue().isEmpty() || damaged.contains(entry.getKey())) {
                continue;
            }
            Boolean ended = processes.get(entry.getKey());
            if (ended == null) {
                report("process " + entry.getKey(), "holds " + entry.getValue().size()
                        + " live records but is not in the processes table");
            } else if (ended) {
                report("process " + entry.getKey(), "has ended but still holds " + entry.getValue().size()
                        + " live records");
            }
        }
        return new long[] {segments, records};
    }

    /** @return holdings parts and held records checked */
    private long[] checkHoldings(Connection connection) throws SQLException {
        Map<Long, Map<String, long[]>> totals = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT reap_id, device_id, kind, type, records, bytes FROM reap_totals");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                totals.computeIfAbsent(rows.getLong(1), r -> new HashMap<>()).put(
                        rows.getInt(2) + " " + rows.getString(3) + " " + rows.getString(4),
                        new long[] {rows.getLong(5), rows.getLong(6)});
            }
        }
        long parts = 0;
        long held = 0;
        Map<Long, Map<String, long[]>> found = new HashMap<>();
        Set<Long> damaged = new HashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT reap_id, part, entries, encoding, data FROM reap_holdings ORDER BY reap_id, part");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                parts++;
                long reapId = rows.getLong(1);
                String name = "part " + rows.getInt(2) + " of the holdings of reap " + reapId;
                Map<String, long[]> sums = found.computeIfAbsent(reapId, r -> new HashMap<>());
                int[] count = {0};
                try {
                    byte[] payload = StoredBlob.open(rows.getInt(4), rows.getBytes(5), () -> name);
                    ReapHoldings.decode(payload, row -> {
                        count[0]++;
                        long[] sum = sums.computeIfAbsent(row.deviceId() + " " + row.kind() + " " + row.type(),
                                k -> new long[2]);
                        sum[0]++;
                        sum[1] += row.size();
                    });
                } catch (CorruptBlobException e) {
                    damaged.add(reapId);
                    report(name, e.getMessage());
                    continue;
                } catch (RuntimeException e) {
                    damaged.add(reapId);
                    report(name, "does not decode: " + e);
                    continue;
                }
                if (count[0] != rows.getInt(3)) {
                    report(name, "holds " + count[0] + " records, its row says " + rows.getInt(3));
                }
                held += count[0];
            }
        }
        for (Map.Entry<Long, Map<String, long[]>> entry : found.entrySet()) {
            if (damaged.contains(entry.getKey())) {
                continue;
            }
            Map<String, long[]> expected = totals.getOrDefault(entry.getKey(), Map.of());
            boolean same = expected.size() == entry.getValue().size() && entry.getValue().entrySet().stream()
                    .allMatch(e -> java.util.Arrays.equals(e.getValue(), expected.get(e.getKey())));
            if (!same) {
                report("reap " + entry.getKey(), "its totals do not match the records it held");
            }
        }
        return new long[] {parts, held};
    }

    private void checkCounters(Map<String, Long> counters, long historyEvents) {
        long events = counters.getOrDefault("events", 0L);
        long accounted = historyEvents + counters.getOrDefault("dropped_history_events", 0L)
                + counters.getOrDefault("pruned_events", 0L)
                // frames that arrived for a process already reaped: counted, never recorded
                + counters.getOrDefault("frames_for_dead_processes", 0L);
        if (events != accounted) {
            report("counters", "the events counter says " + events + ", the history holds " + historyEvents
                    + " (plus " + (accounted - historyEvents) + " dropped or pruned)"
                    + (events > accounted ? ": history is missing" : ": history holds events never counted"));
        }
    }

    private void checkCommitMarker(Path database, long recorded, long commitSeq) {
        if (recorded == -2) {
            report(CommitMarker.pathOf(database).toString(), "unreadable: it holds no commit number");
        } else if (recorded > commitSeq) {
            report("database", "holds commit " + commitSeq + " but commit " + recorded + " was written to it ("
                    + CommitMarker.pathOf(database) + "): it is older than what was committed");
        }
    }

    private static Map<String, Long> counters(Connection connection) throws SQLException {
        Map<String, Long> counters = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT name, total FROM counters");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                counters.put(rows.getString(1), rows.getLong(2));
            }
        }
        return counters;
    }
}
