package tracker.fleet;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the fleet store holds of this host, as far as the shipper needs it: the high-water
 * marks, the processes it has as not ended (with what was shipped of them), and the keys of
 * the live segments it has. Read from the store at every connect, so it is never more than
 * what the store committed; kept up to date by the shipper after each commit.
 */
final class ShipState {

    /** the highest local ids shipped (ids of chunks and reaps are committed in order) */
    long chunkMark;
    long reapMark;
    long processMark;
    /**
     * A minute start (micros): the usage of every minute before it is in the store whole. This
     * minute is read again by every shipment: it is the last one shipped, perhaps still running,
     * or the one after a minute read whole.
     */
    long minuteMark;
    /** not-ended processes the store has, and the fingerprint of the row shipped ("" if unknown) */
    final Map<Long, String> openProcesses = new HashMap<>();
    final Set<SegmentKey> segments = new HashSet<>();
    /** the peaks shipped for the minute at minuteMark (minute, device, kind, type): unchanged ones are not sent again */
    final Map<java.util.List<Object>, Long> minutePeaks = new HashMap<>();

    /** the local counters as the store has them */
    final Map<String, Long> counters = new HashMap<>();

    record SegmentKey(long processId, long seq) {
    }

    static ShipState load(Connection central, int hostId) throws SQLException {
        ShipState state = new ShipState();
        for (Object[] row : Rows.read(central, "SELECT table_name, shipped FROM ship_marks WHERE host_id = ?", hostId)) {
            long value = Rows.asLong(row[1]);
            switch ((String) row[0]) {
                case "event_chunks" -> state.chunkMark = value;
                case "reaps" -> state.reapMark = value;
                case "processes" -> state.processMark = value;
                case "usage_minutes" -> state.minuteMark = value;
                default -> { }
            }
        }
        for (Object[] row : Rows.read(central, "SELECT id FROM processes WHERE host_id = ? AND ended_at IS NULL",
                hostId)) {
            state.openProcesses.put(Rows.asLong(row[0]), "");
        }
        for (Object[] row : Rows.read(central, "SELECT name, total FROM host_counters WHERE host_id = ?", hostId)) {
            state.counters.put((String) row[0], Rows.asLong(row[1]));
        }
        for (Object[] row : Rows.read(central, "SELECT process_id, seq FROM live_segments WHERE host_id = ?", hostId)) {
            state.segments.add(new SegmentKey(Rows.asLong(row[0]), Rows.asLong(row[1])));
        }
        return state;
    }

    /**
     * Every process id below this has been shipped in its final (ended) state, or never will
     * be: local retention may delete those processes.
     */
    long processesFinalBelow() {
        long floor = processMark + 1;
        for (long id : openProcesses.keySet()) {
            floor = Math.min(floor, id);
        }
        return floor;
    }

    /** After the store committed {@code shipped}: it now holds what the shipment carried. */
    void apply(Shipment shipped) {
        chunkMark = shipped.chunkMark;
        reapMark = shipped.reapMark;
        processMark = shipped.processMark;
        shipped.processStates.forEach((id, fingerprint) -> {
            if (fingerprint == null) {
                openProcesses.remove(id);
            } else {
                openProcesses.put(id, fingerprint);
            }
        });
        shipped.segmentDeletes.forEach(segments::remove);
        shipped.segmentInserts.forEach(row -> segments.add(new SegmentKey(Rows.asLong(row[0]), Rows.asLong(row[1]))));
        java.time.Instant markMinute = java.time.Instant.EPOCH.plusNanos(shipped.minuteMark * 1000);
        minutePeaks.keySet().removeIf(key -> ((java.time.Instant) key.get(0)).isBefore(markMinute));
        for (Object[] row : shipped.usageMinutes) {
            java.time.Instant minute = ((java.time.OffsetDateTime) row[0]).toInstant();
            if (!minute.isBefore(markMinute)) {
                minutePeaks.put(java.util.List.of(minute, row[1], row[2], row[3]), Rows.asLong(row[4]));
            }
        }
        minuteMark = shipped.minuteMark;
        for (Object[] row : shipped.counters) {
            counters.put((String) row[0], Rows.asLong(row[1]));
        }
    }
}
