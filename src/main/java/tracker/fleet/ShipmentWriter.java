package tracker.fleet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes a shipment into the fleet store in one transaction, with the marks it moves to:
 * the rows and the marks land together or not at all. Every insert is also keyed by host and
 * local id (ON CONFLICT), so a shipment written again after a commit whose answer was lost
 * changes nothing.
 */
final class ShipmentWriter {

    private ShipmentWriter() {
    }

    static void write(FleetConnection fleet, Shipment shipment, long nowMicros) throws SQLException {
        Connection central = fleet.connection;
        int host = fleet.hostId;
        try {
            Rows.writeAll(central, Rows.insert("processes", ShipmentReader.PROCESS_COLUMNS)
                    + " ON CONFLICT (host_id, id) DO UPDATE SET pid = EXCLUDED.pid, last_seen = EXCLUDED.last_seen,"
                    + " ended_at = EXCLUDED.ended_at, end_reason = EXCLUDED.end_reason,"
                    + " peak_bytes = EXCLUDED.peak_bytes, peak_at = EXCLUDED.peak_at", host, shipment.processes);
            Rows.writeAll(central, Rows.insert("process_tags", ShipmentReader.TAG_COLUMNS) + " ON CONFLICT DO NOTHING",
                    host, shipment.tags);
            Rows.writeAll(central, Rows.insert("process_peaks", ShipmentReader.PEAK_COLUMNS)
                    + " ON CONFLICT (host_id, process_id, device_id, kind, type) DO UPDATE SET"
                    + " peak_bytes = EXCLUDED.peak_bytes, peak_at = EXCLUDED.peak_at", host, shipment.peaks);
            Rows.writeAll(central, Rows.insert("event_chunks", ShipmentReader.CHUNK_COLUMNS) + " ON CONFLICT DO NOTHING",
                    host, shipment.chunks);
            Rows.writeAll(central, Rows.insert("reaps", ShipmentReader.REAP_COLUMNS) + " ON CONFLICT DO NOTHING", host,
                    shipment.reaps);
            Rows.writeAll(central, Rows.insert("reap_totals", ShipmentReader.REAP_TOTAL_COLUMNS)
                    + " ON CONFLICT DO NOTHING", host, shipment.reapTotals);
            Rows.writeAll(central, Rows.insert("reap_holdings", ShipmentReader.HOLDING_COLUMNS)
                    + " ON CONFLICT DO NOTHING", host, shipment.reapHoldings);
            deleteSegments(central, host, shipment.segmentDeletes);
            Rows.writeAll(central, Rows.insert("live_segments", ShipmentReader.SEGMENT_COLUMNS)
                    + " ON CONFLICT DO NOTHING", host, shipment.segmentInserts);
            Rows.writeAll(central, Rows.insert("usage_minutes", ShipmentReader.MINUTE_COLUMNS)
                    + " ON CONFLICT (host_id, minute, device_id, kind, type) DO UPDATE SET"
                    + " peak_bytes = EXCLUDED.peak_bytes, peak_at = EXCLUDED.peak_at"
                    + " WHERE EXCLUDED.peak_bytes > usage_minutes.peak_bytes", host, shipment.usageMinutes);
            Rows.writeAll(central, "INSERT INTO host_counters (host_id, name, total) VALUES (?, ?, ?)"
                    + " ON CONFLICT (host_id, name) DO UPDATE SET total = EXCLUDED.total", host, shipment.counters);
            writeMarks(central, host, shipment, nowMicros);
            central.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                central.rollback();
            } catch (SQLException ignored) {
                // the session is broken: the transaction died with it
            }
            throw e;
        }
    }

    private static void deleteSegments(Connection central, int host, List<ShipState.SegmentKey> keys)
            throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = central.prepareStatement(
                "DELETE FROM live_segments WHERE host_id = ? AND process_id = ? AND seq = ?")) {
            for (ShipState.SegmentKey key : keys) {
                delete.setInt(1, host);
                delete.setLong(2, key.processId());
                delete.setLong(3, key.seq());
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }

    private static void writeMarks(Connection central, int host, Shipment shipment, long nowMicros)
            throws SQLException {
        try (PreparedStatement upsert = central.prepareStatement("INSERT INTO ship_marks (host_id, table_name,"
                + " shipped, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (host_id, table_name) DO UPDATE SET"
                + " shipped = EXCLUDED.shipped, updated_at = EXCLUDED.updated_at")) {
            String[] names = {"event_chunks", "reaps", "processes", "usage_minutes"};
            long[] values = {shipment.chunkMark, shipment.reapMark, shipment.processMark, shipment.minuteMark};
            for (int i = 0; i < names.length; i++) {
                upsert.setInt(1, host);
                upsert.setString(2, names[i]);
                upsert.setLong(3, values[i]);
                upsert.setObject(4, FleetConnection.utc(nowMicros));
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
        try (PreparedStatement touch = central.prepareStatement("UPDATE hosts SET last_shipped_at = ?,"
                + " caught_up_at = COALESCE(?, caught_up_at) WHERE host_id = ?")) {
            touch.setObject(1, FleetConnection.utc(nowMicros));
            touch.setObject(2, shipment.limited ? null : FleetConnection.utc(shipment.readAtMicros),
                    java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
            touch.setInt(3, host);
            touch.executeUpdate();
        }
    }

    /** Nothing new to ship: the store is as fresh as the local snapshot just read. */
    static void caughtUp(FleetConnection fleet, long readAtMicros) throws SQLException {
        try (PreparedStatement touch = fleet.connection.prepareStatement(
                "UPDATE hosts SET caught_up_at = ? WHERE host_id = ?")) {
            touch.setObject(1, FleetConnection.utc(readAtMicros));
            touch.setInt(2, fleet.hostId);
            touch.executeUpdate();
        }
        fleet.connection.commit();
    }
}
