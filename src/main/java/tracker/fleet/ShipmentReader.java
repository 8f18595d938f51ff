package tracker.fleet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tracker.store.Database;
import tracker.store.Times;

/**
 * Reads from the local file, in one snapshot, what the fleet store does not have yet: the
 * history and audit after the marks, the processes that are new or changed, the live
 * segments that differ, and the usage per minute from the mark on.
 */
final class ShipmentReader {

    /** bounds on one shipment, so that one PostgreSQL transaction stays small */
    static final int MAX_CHUNKS = 5_000;
    static final int MAX_REAPS = 200;
    static final int MAX_PROCESSES = 2_000;
    static final int MAX_SEGMENTS = 500;
    /** a bound that cuts into a minute is stretched to its end (see readUsage) */
    static final int MAX_PEAK_WINDOWS = 50_000;

    static final String CHUNK_COLUMNS = "id, process_id, pid, first_at, last_at, event_count, encoding, data";
    static final String REAP_COLUMNS = "id, process_id, pid, reported_pid, start_ticks, uid, command, first_seen,"
            + " last_seen, reaped_at, reason, buffers, buffer_bytes, cbs, cb_bytes, kernels, kernel_bytes, peak_bytes,"
            + " peak_at";
    static final String REAP_TOTAL_COLUMNS = "reap_id, device_id, kind, type, records, bytes";
    static final String HOLDING_COLUMNS = "reap_id, part, entries, encoding, data";
    static final String PROCESS_COLUMNS = "id, pid, reported_pid, start_ticks, boot_id, uid, command, first_seen,"
            + " last_seen, ended_at, end_reason, peak_bytes, peak_at";
    static final String TAG_COLUMNS = "process_id, tag_key, tag_value";
    static final String PEAK_COLUMNS = "process_id, device_id, kind, type, peak_bytes, peak_at";
    static final String SEGMENT_COLUMNS = "process_id, seq, snapshot, entries, encoding, data";
    static final String MINUTE_COLUMNS = "minute, device_id, kind, type, peak_bytes, peak_at";

    private final Database database;
    /** how many device_peaks windows one shipment reads ({@link #MAX_PEAK_WINDOWS} but in tests) */
    private final int maxPeakWindows;

    ShipmentReader(Database database, int maxPeakWindows) {
        this.database = database;
        this.maxPeakWindows = maxPeakWindows;
    }

    Shipment read(ShipState state, long nowMicros) throws SQLException {
        try (Connection local = database.connection()) {
            boolean autoCommit = local.getAutoCommit();
            int isolation = local.getTransactionIsolation();
            local.setAutoCommit(false);
            // every table as of one commit: a reap and the end of its process arrive together
            local.setTransactionIsolation(Database.SNAPSHOT_ISOLATION);
            try {
                Shipment shipment = new Shipment(nowMicros, state);
                readChunks(local, shipment);
                readReaps(local, shipment);
                readSegments(local, state, shipment);
                readProcesses(local, state, shipment);
                readUsage(local, state, shipment);
                readCounters(local, state, shipment);
                return shipment;
            } finally {
                local.rollback();
                local.setTransactionIsolation(isolation);
                local.setAutoCommit(autoCommit);
            }
        }
    }

    private static void readChunks(Connection local, Shipment out) throws SQLException {
        List<Object[]> rows = Rows.read(local, "SELECT " + CHUNK_COLUMNS + " FROM event_chunks WHERE id > ?"
                + " ORDER BY id LIMIT " + MAX_CHUNKS, out.chunkMark);
        out.chunks.addAll(rows);
        out.limited |= rows.size() == MAX_CHUNKS;
        for (Object[] row : rows) {
            out.chunkMark = Rows.asLong(row[0]);
            out.events += ((Number) row[5]).longValue();
        }
    }

    private static void readReaps(Connection local, Shipment out) throws SQLException {
        long from = out.reapMark;
        List<Object[]> rows = Rows.read(local, "SELECT " + REAP_COLUMNS + " FROM reaps WHERE id > ? ORDER BY id LIMIT "
                + MAX_REAPS, from);
        if (rows.isEmpty()) {
            return;
        }
        out.limited |= rows.size() == MAX_REAPS;
        out.reaps.addAll(rows);
        out.reapMark = Rows.asLong(rows.get(rows.size() - 1)[0]);
        out.reapTotals.addAll(Rows.read(local, "SELECT " + REAP_TOTAL_COLUMNS + " FROM reap_totals"
                + " WHERE reap_id > ? AND reap_id <= ?", from, out.reapMark));
        out.reapHoldings.addAll(Rows.read(local, "SELECT " + HOLDING_COLUMNS + " FROM reap_holdings"
                + " WHERE reap_id > ? AND reap_id <= ?", from, out.reapMark));
    }

    /** The live segments the store lacks, and those it has that are gone here (compacted, or their process ended). */
    private static void readSegments(Connection local, ShipState state, Shipment out) throws SQLException {
        Set<ShipState.SegmentKey> here = new HashSet<>();
        for (Object[] row : Rows.read(local, "SELECT process_id, seq FROM live_segments")) {
            here.add(new ShipState.SegmentKey(Rows.asLong(row[0]), Rows.asLong(row[1])));
        }
        for (ShipState.SegmentKey key : state.segments) {
            if (!here.contains(key)) {
                out.segmentDeletes.add(key);
            }
        }
        int inserts = 0;
        for (ShipState.SegmentKey key : missing(here, state)) {
            if (inserts++ == MAX_SEGMENTS) {
                out.limited = true;
                break;
            }
            out.segmentInserts.addAll(Rows.read(local, "SELECT " + SEGMENT_COLUMNS + " FROM live_segments"
                    + " WHERE process_id = ? AND seq = ?", key.processId(), key.seq()));
        }
    }

    private static List<ShipState.SegmentKey> missing(Set<ShipState.SegmentKey> here, ShipState state) {
        List<ShipState.SegmentKey> missing = new ArrayList<>();
        for (ShipState.SegmentKey key : here) {
            if (!state.segments.contains(key)) {
                missing.add(key);
            }
        }
        missing.sort(java.util.Comparator.comparingLong(ShipState.SegmentKey::processId)
                .thenComparingLong(ShipState.SegmentKey::seq));
        return missing;
    }

    /**
     * New processes (after the mark), those the store has as not ended whose row changed, and
     * those the shipment's rows belong to (process ids are handed out before their rows are
     * committed, so a row may land below the mark).
     */
    private static void readProcesses(Connection local, ShipState state, Shipment out) throws SQLException {
        Map<Long, Object[]> rows = new LinkedHashMap<>();
        List<Object[]> fresh = Rows.read(local, "SELECT " + PROCESS_COLUMNS + " FROM processes WHERE id > ?"
                + " ORDER BY id LIMIT " + MAX_PROCESSES, out.processMark);
        out.limited |= fresh.size() == MAX_PROCESSES;
        for (Object[] row : fresh) {
            rows.put(Rows.asLong(row[0]), row);
        }
        Set<Long> wanted = new TreeSet<>(state.openProcesses.keySet());
        out.chunks.forEach(row -> wanted.add(Rows.asLong(row[1])));
        out.reaps.forEach(row -> wanted.add(Rows.asLong(row[1])));
        out.segmentInserts.forEach(row -> wanted.add(Rows.asLong(row[0])));
        wanted.removeAll(rows.keySet());
        if (!wanted.isEmpty()) {
            java.sql.Array ids = local.createArrayOf("BIGINT", wanted.toArray(new Long[0]));
            for (Object[] row : Rows.read(local, "SELECT " + PROCESS_COLUMNS + " FROM processes WHERE id = ANY(?)",
                    ids)) {
                rows.put(Rows.asLong(row[0]), row);
            }
        }
        List<Long> shipped = new ArrayList<>();
        for (Object[] row : rows.values()) {
            long id = Rows.asLong(row[0]);
            String fingerprint = fingerprint(row);
            String inStore = state.openProcesses.get(id);
            if (inStore != null && inStore.equals(fingerprint)) {
                continue; // unchanged since it was shipped
            }
            out.processes.add(row);
            out.processStates.put(id, row[9] == null ? fingerprint : null);
            shipped.add(id);
            out.processMark = Math.max(out.processMark, id);
        }
        if (shipped.isEmpty()) {
            return;
        }
        java.sql.Array ids = local.createArrayOf("BIGINT", shipped.toArray(new Long[0]));
        // tags never change: written once, again only by a retry
        out.tags.addAll(Rows.read(local, "SELECT " + TAG_COLUMNS + " FROM process_tags WHERE process_id = ANY(?)",
                ids));
        out.peaks.addAll(Rows.read(local, "SELECT " + PEAK_COLUMNS + " FROM process_peaks WHERE process_id = ANY(?)",
                ids));
    }

    /** The local counters that changed since they were shipped; not the shipper's own marks. */
    private static void readCounters(Connection local, ShipState state, Shipment out) throws SQLException {
        for (Object[] row : Rows.read(local, "SELECT name, total FROM counters WHERE name NOT LIKE 'shipped\\_%'"
                + " AND name NOT LIKE 'id\\_floor\\_%'")) {
            Long shipped = state.counters.get((String) row[0]);
            if (shipped == null || shipped != Rows.asLong(row[1])) {
                out.counters.add(row);
            }
        }
    }

    /** What of a process row changes while it lives. */
    static String fingerprint(Object[] row) {
        return row[8] + "|" + row[9] + "|" + row[10] + "|" + row[11] + "|" + row[12];
    }

    /**
     * The peak of each minute, per device, kind and type, from the commit windows of device_peaks,
     * from the minute mark on.
     *
     * <p>A shipment reads at most {@link #maxPeakWindows} windows, but always ends on a whole
     * minute: when the bound cuts into the last minute read, that minute is read again whole. Else
     * a minute of more windows than the bound (a short commit interval on a host of many devices)
     * would be read from its start, up to the bound, by every shipment: its later, higher windows
     * never shipped, nor any minute after it. One minute's windows are bounded by the commit
     * interval and the device groups, and they are folded into their peaks as they are read, so
     * what is held here stays one row per minute, device, kind and type.
     */
    private void readUsage(Connection local, ShipState state, Shipment out) throws SQLException {
        Map<List<Object>, Object[]> minutes = new LinkedHashMap<>();
        Folded read = fold(local, minutes, "window_start >= ? ORDER BY window_start LIMIT " + maxPeakWindows,
                FleetConnection.utc(out.minuteMark));
        if (read.windows() == maxPeakWindows) {
            Instant cut = read.lastMinute();
            Instant next = cut.plus(1, ChronoUnit.MINUTES);
            minutes.keySet().removeIf(key -> key.get(0).equals(cut));
            fold(local, minutes, "window_start >= ? AND window_start < ? ORDER BY window_start",
                    Times.utc(cut), Times.utc(next));
            // Windows are committed in the order of their start, so a later minute in this
            // snapshot means this one is over: shipped whole now, it is never read again, and the
            // mark moves past it (to a minute nothing was shipped of yet). A minute still
            // running stays the mark, shipped again until it is over, as when no bound cuts it.
            boolean over = !Rows.read(local, "SELECT 1 FROM device_peaks WHERE window_start >= ? LIMIT 1",
                    Times.utc(next)).isEmpty();
            out.minuteMark = Times.micros(over ? next : cut);
            out.limited |= over;
        } else if (read.windows() > 0) {
            // the last minute read may still be running: it is the mark, read again next time
            out.minuteMark = Times.micros(read.lastMinute());
        }
        minutes.forEach((key, row) -> {
            Long shipped = state.minutePeaks.get(key);
            if (shipped == null || shipped < Rows.asLong(row[4])) {
                out.usageMinutes.add(row);
            }
        });
    }

    /** How many windows {@link #fold} read, and the minute of the last. */
    private record Folded(int windows, Instant lastMinute) {
    }

    /**
     * Folds the windows {@code where} selects into the peak of their minute, per device, kind and
     * type: the highest, at the first window (in the order read) that reached it. Row by row from
     * the result set, so that a minute of many windows is not held here as many rows.
     */
    private static Folded fold(Connection local, Map<List<Object>, Object[]> minutes, String where,
                               Object... params) throws SQLException {
        int windows = 0;
        Instant lastMinute = null;
        try (PreparedStatement query = local.prepareStatement("SELECT window_start, device_id, kind, type,"
                + " peak_bytes, peak_at FROM device_peaks WHERE " + where)) {
            for (int i = 0; i < params.length; i++) {
                query.setObject(i + 1, params[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    Instant minute = rows.getObject(1, OffsetDateTime.class).toInstant()
                            .truncatedTo(ChronoUnit.MINUTES);
                    Object device = rows.getObject(2);
                    Object kind = rows.getObject(3);
                    Object type = rows.getObject(4);
                    long peak = rows.getLong(5);
                    List<Object> key = List.of(minute, device, kind, type);
                    Object[] known = minutes.get(key);
                    if (known == null || peak > Rows.asLong(known[4])) {
                        minutes.put(key, new Object[] {Times.utc(minute), device, kind, type, peak,
                                rows.getObject(6, OffsetDateTime.class)});
                    }
                    windows++;
                    lastMinute = minute;
                }
            }
        }
        return new Folded(windows, lastMinute);
    }
}
