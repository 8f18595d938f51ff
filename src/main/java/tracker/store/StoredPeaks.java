package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/** The stored high-water marks: written with each commit, read by start-up, ps, audit and stats. */
public final class StoredPeaks {

    private StoredPeaks() {
    }

    /** Replaces each process's peaks with the given ones. */
    static void writeProcessPeaks(Connection connection, List<ProcessPeaksRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement total = connection.prepareStatement(
                "UPDATE processes SET peak_bytes = ?, peak_at = ? WHERE id = ?");
             PreparedStatement delete = connection.prepareStatement("DELETE FROM process_peaks WHERE process_id = ?");
             PreparedStatement insert = connection.prepareStatement("INSERT INTO process_peaks"
                     + " (process_id, device_id, kind, type, peak_bytes, peak_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (ProcessPeaksRow row : rows) {
                total.setLong(1, row.peakBytes());
                total.setObject(2, Times.utc(row.peakAtMicros()));
                total.setLong(3, row.processId());
                total.addBatch();
                delete.setLong(1, row.processId());
                delete.addBatch();
                for (PeakRow peak : row.detail()) {
                    insert.setLong(1, row.processId());
                    insert.setInt(2, peak.deviceId());
                    insert.setString(3, peak.kind());
                    insert.setString(4, peak.type());
                    insert.setLong(5, peak.peakBytes());
                    insert.setObject(6, Times.utc(peak.peakAtMicros()));
                    insert.addBatch();
                }
            }
            total.executeBatch();
            delete.executeBatch();
            insert.executeBatch();
        }
    }

    static void writeDevicePeaks(Connection connection, List<DevicePeakRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO device_peaks"
                + " (window_start, device_id, kind, type, peak_bytes, peak_at, end_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (DevicePeakRow row : rows) {
                insert.setObject(1, Times.utc(row.windowStartMicros()));
                insert.setInt(2, row.deviceId());
                insert.setString(3, row.kind());
                insert.setString(4, row.type());
                insert.setLong(5, row.peakBytes());
                insert.setObject(6, Times.utc(row.peakAtMicros()));
                insert.setLong(7, row.endBytes());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (PreparedStatement hourly = connection.prepareStatement("MERGE INTO device_peaks_hourly h"
                + " USING (VALUES (CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS INTEGER), CAST(? AS VARCHAR(8)),"
                + " CAST(? AS VARCHAR(16)), CAST(? AS BIGINT), CAST(? AS TIMESTAMP WITH TIME ZONE)))"
                + " AS s (hour_start, device_id, kind, type, peak_bytes, peak_at)"
                + " ON h.hour_start = s.hour_start AND h.device_id = s.device_id AND h.kind = s.kind AND h.type = s.type"
                + " WHEN MATCHED AND s.peak_bytes > h.peak_bytes THEN UPDATE SET peak_bytes = s.peak_bytes,"
                + " peak_at = s.peak_at"
                + " WHEN NOT MATCHED THEN INSERT (hour_start, device_id, kind, type, peak_bytes, peak_at)"
                + " VALUES (s.hour_start, s.device_id, s.kind, s.type, s.peak_bytes, s.peak_at)")) {
            for (DevicePeakRow row : rows) {
                hourly.setObject(1, Times.utc(hourOf(row.windowStartMicros())));
                hourly.setInt(2, row.deviceId());
                hourly.setString(3, row.kind());
                hourly.setString(4, row.type());
                hourly.setLong(5, row.peakBytes());
                hourly.setObject(6, Times.utc(row.peakAtMicros()));
                hourly.addBatch();
            }
            hourly.executeBatch();
        }
    }

    static final long HOUR_MICROS = 3_600_000_000L;

    /** The start of the UTC hour of {@code micros}. */
    static long hourOf(long micros) {
        return Math.floorDiv(micros, HOUR_MICROS) * HOUR_MICROS;
    }

    /** Deletes the device peaks of windows before the cutoff, and of hours that ended before it. */
    static void prune(Handle handle, long cutoffMicros) {
        handle.createUpdate("DELETE FROM device_peaks WHERE window_start < ?").bind(0, Times.utc(cutoffMicros))
                .execute();
        handle.createUpdate("DELETE FROM device_peaks_hourly WHERE hour_start < ?")
                .bind(0, Times.utc(hourOf(cutoffMicros)))
                .execute();
    }

    /** The peaks of the processes not ended: what a daemon's start reloads. */
    static Map<Long, ProcessPeaksRow> ofLiveProcesses(Handle handle) {
        Map<Long, List<PeakRow>> detail = new HashMap<>();
        handle.createQuery("SELECT pp.* FROM process_peaks pp JOIN processes p ON p.id = pp.process_id"
                        + " WHERE p.ended_at IS NULL")
                .map((rs, ctx) -> {
                    detail.computeIfAbsent(rs.getLong("process_id"), id -> new ArrayList<>()).add(peakRow(rs));
                    return 0;
                }).forEach(x -> { });
        Map<Long, ProcessPeaksRow> peaks = new HashMap<>();
        handle.createQuery("SELECT id, peak_bytes, peak_at FROM processes WHERE ended_at IS NULL"
                        + " AND peak_bytes IS NOT NULL")
                .map((rs, ctx) -> new ProcessPeaksRow(rs.getLong("id"), rs.getLong("peak_bytes"),
                        Queries.micros(rs, "peak_at"), detail.getOrDefault(rs.getLong("id"), List.of())))
                .forEach(row -> peaks.put(row.processId(), row));
        return peaks;
    }

    /** Per process of {@code processIds}, its peaks per device, kind and type, in that order. */
    public static Map<Long, List<PeakRow>> detailOf(Handle handle, Collection<Long> processIds) {
        Map<Long, List<PeakRow>> detail = new HashMap<>();
        if (processIds.isEmpty()) {
            return detail;
        }
        // in slices: an IN list of every process ever seen would be one huge statement
        List<Long> ids = new ArrayList<>(new java.util.LinkedHashSet<>(processIds));
        for (int from = 0; from < ids.size(); from += 500) {
            List<Long> slice = ids.subList(from, Math.min(ids.size(), from + 500));
            handle.createQuery("SELECT * FROM process_peaks WHERE process_id IN (<ids>)"
                            + " ORDER BY process_id, device_id, kind, type")
                    .bindList("ids", slice)
                    .map((rs, ctx) -> {
                        detail.computeIfAbsent(rs.getLong("process_id"), id -> new ArrayList<>()).add(peakRow(rs));
                        return 0;
                    }).forEach(x -> { });
        }
        return detail;
    }

    /**
     * Per device, kind and type, the peak of the live bytes over all processes within
     * [{@code fromMicros}, {@code untilMicros}], to the commit window: the windows that began in
     * it, and the level the span started from (the end of the last window before it, counted
     * at {@code fromMicros}). Two index range reads, however long the history.
     *
     * @param fromMicros  null: from the first window kept
     * @param untilMicros null: to now
     */
    public static List<PeakRow> devicePeaks(Handle handle, Long fromMicros, Long untilMicros) {
        Map<List<Object>, PeakRow> peaks = new java.util.TreeMap<>(java.util.Comparator
                .<List<Object>>comparingInt(key -> (Integer) key.get(0))
                .thenComparing(key -> (String) key.get(1))
                .thenComparing(key -> (String) key.get(2)));
        if (fromMicros != null) {
            handle.createQuery("SELECT * FROM device_peaks WHERE window_start ="
                            + " (SELECT MAX(window_start) FROM device_peaks WHERE window_start < ?) AND end_bytes > 0")
                    .bind(0, Times.utc(fromMicros))
                    .map((rs, ctx) -> new PeakRow(rs.getInt("device_id"), rs.getString("kind"), rs.getString("type"),
                            rs.getLong("end_bytes"), fromMicros))
                    .forEach(peak -> keepHigher(peaks, peak));
        }
        // whole hours from the hourly rows; the windows of the ragged ends one by one
        long from = fromMicros == null ? Long.MIN_VALUE : fromMicros;
        long until = untilMicros == null ? Long.MAX_VALUE : untilMicros;
        long hoursFrom = fromMicros == null ? Long.MIN_VALUE
                : hourOf(from) == from ? from : hourOf(from) + HOUR_MICROS;
        // an open end takes every hour, the current one too: none holds windows after now
        long hoursTo = untilMicros == null ? Long.MAX_VALUE
                : until == Long.MAX_VALUE ? until : hourOf(until + 1); // exclusive
        if (hoursFrom < hoursTo) {
            windows(handle, "device_peaks_hourly", "hour_start", hoursFrom,
                    hoursTo == Long.MAX_VALUE ? Long.MAX_VALUE : hoursTo - 1, peaks);
            if (hoursFrom != Long.MIN_VALUE) {
                windows(handle, "device_peaks", "window_start", from, hoursFrom - 1, peaks);
            }
            if (hoursTo != Long.MAX_VALUE) {
                windows(handle, "device_peaks", "window_start", hoursTo, until, peaks);
            }
        } else {
            windows(handle, "device_peaks", "window_start", from, until, peaks);
        }
        return List.copyOf(peaks.values());
    }

    /** The peak per device, kind and type of the rows of {@code table} whose {@code column} is in [from, to]. */
    private static void windows(Handle handle, String table, String column, long from, long to,
                                Map<List<Object>, PeakRow> peaks) {
        if (from > to) {
            return;
        }
        StringBuilder where = new StringBuilder();
        List<Object> binds = new ArrayList<>();
        if (from != Long.MIN_VALUE) {
            where.append(" WHERE ").append(column).append(" >= ?");
            binds.add(Times.utc(from));
        }
        if (to != Long.MAX_VALUE) {
            where.append(where.length() == 0 ? " WHERE " : " AND ").append(column).append(" <= ?");
            binds.add(Times.utc(to));
        }
        // the max per group, then the first time it was reached: both over the index's range
        String range = "SELECT device_id, kind, type, peak_bytes, peak_at FROM " + table + where;
        var query = handle.createQuery("SELECT r.device_id, r.kind, r.type, r.peak_bytes, MIN(r.peak_at) AS peak_at"
                + " FROM (" + range + ") r JOIN (SELECT device_id, kind, type, MAX(peak_bytes) AS top FROM " + table
                + where + " GROUP BY device_id, kind, type) m ON m.device_id = r.device_id AND m.kind = r.kind"
                + " AND m.type = r.type AND m.top = r.peak_bytes GROUP BY r.device_id, r.kind, r.type, r.peak_bytes");
        int position = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (Object bind : binds) {
                query.bind(position++, bind);
            }
        }
        query.map((rs, ctx) -> peakRow(rs)).forEach(peak -> keepHigher(peaks, peak));
    }

    /** The higher of the two; of equal ones, the first reached. */
    private static void keepHigher(Map<List<Object>, PeakRow> peaks, PeakRow peak) {
        peaks.merge(List.of(peak.deviceId(), peak.kind(), peak.type()), peak,
                (old, candidate) -> candidate.peakBytes() > old.peakBytes()
                        || candidate.peakBytes() == old.peakBytes() && candidate.peakAtMicros() < old.peakAtMicros()
                        ? candidate : old);
    }

    private static PeakRow peakRow(ResultSet rs) throws SQLException {
        return new PeakRow(rs.getInt("device_id"), rs.getString("kind"), rs.getString("type"),
                rs.getLong("peak_bytes"), Queries.micros(rs, "peak_at"));
    }
}
