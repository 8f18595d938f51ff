package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import tracker.store.CorruptBlobException;
import tracker.store.HistoryEvent;
import tracker.store.LiveRow;
import tracker.store.ReapHoldings;
import tracker.store.Times;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;

/**
 * The rows {@code tracker history --buffer ID} shows for reaps: one per record with that
 * address that a reap removed (and the other filters show), at the reap's time, so that the
 * history of a buffer whose process died ends with its reap instead of with nothing. Without
 * {@code --buffer} there are none: what each reap removed is in {@code tracker audit}, and a
 * whole history would list every record of every reap.
 *
 * <p>The rows are few (one per reap that held that address), so they are read whole, in
 * order: reap time, reap, then as the audit lists holdings. Stateless.
 */
final class HistoryReaps {

    private HistoryReaps() {
    }

    /**
     * @param onDamaged told of a part of a reap's holdings that fails its checksum: it is
     *                  skipped, never decoded into records nobody held
     */
    static List<HistoryEvent> read(Connection connection, HistoryFilter filter, Consumer<String> onDamaged)
            throws SQLException {
        List<HistoryEvent> rows = new ArrayList<>();
        if (filter.bufferId() == null) {
            return rows;
        }
        SqlFilter where = new SqlFilter()
                .when(filter.pid(), "r.pid = ?")
                .when(filter.hasFrom() ? Times.utc(filter.from()) : null, "r.reaped_at >= ?")
                .when(filter.hasTo() ? Times.utc(filter.to()) : null, "r.reaped_at <= ?");
        String sql = "SELECT r.id, r.process_id, r.pid, r.reaped_at, h.part, h.encoding, h.data"
                + " FROM reaps r JOIN reap_holdings h ON h.reap_id = r.id" + where.where()
                + " ORDER BY r.reaped_at, r.id, h.part";
        try (PreparedStatement statement = where.bind(connection.prepareStatement(sql));
             ResultSet rs = statement.executeQuery()) {
            long reapId = Long.MIN_VALUE;
            List<LiveRow> held = new ArrayList<>();
            Reap reap = null;
            while (rs.next()) {
                if (rs.getLong(1) != reapId) {
                    addHeld(reap, held, rows);
                    reapId = rs.getLong(1);
                    // to the microsecond, as event times
                    long micros = Times.micros(rs.getObject(4, OffsetDateTime.class).toInstant());
                    reap = new Reap(rs.getLong(2), (Integer) rs.getObject(3), Times.instant(micros));
                }
                try {
                    ReapHoldings.decodeStored(reapId, rs.getInt(5), rs.getInt(6), rs.getBytes(7), row -> {
                        if (shows(filter, row)) {
                            held.add(row);
                        }
                    });
                } catch (CorruptBlobException e) {
                    onDamaged.accept(e.getMessage());
                }
            }
            addHeld(reap, held, rows);
        }
        return rows;
    }

    private static boolean shows(HistoryFilter filter, LiveRow row) {
        return row.bufferId() == filter.bufferId() && (filter.device() == null || row.deviceId() == filter.device());
    }

    /** The process a reap ended, and when. */
    private record Reap(long processId, Integer pid, Instant at) {
    }

    /** The rows of {@code reap} for the records in {@code held}. */
    private static void addHeld(Reap reap, List<LiveRow> held, List<HistoryEvent> rows) {
        held.sort(ReapHoldings.ORDER);
        for (LiveRow row : held) {
            rows.add(new HistoryEvent(reap.processId(), reap.pid(), reap.at(), typeCode(row.kind()),
                    row.deviceId(), typeCodeOf(row), row.size(), row.bufferId(), 0, 0, false, true));
        }
        held.clear();
    }

    private static int typeCode(String kind) {
        return switch (kind) {
            case "CB" -> HistoryEvent.REAPED_CB;
            case "KERNEL" -> HistoryEvent.REAPED_KERNEL;
            default -> HistoryEvent.REAPED;
        };
    }

    /** The buffer_type code of a held record's type, as an event of it carries it. */
    private static int typeCodeOf(LiveRow row) {
        if (row.kind().equals("KERNEL")) {
            return KernelType.codeOf(row.type());
        }
        for (MemoryType memory : MemoryType.values()) {
            if (memory.name().equals(row.type())) {
                return memory.code();
            }
        }
        return -1;
    }
}
