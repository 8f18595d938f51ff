package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import tracker.store.HistoryEvent;
import tracker.store.Times;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;

/**
 * Live bytes over time per {@link MemoryGroup}, from the history and the reaps, as running
 * sums: the history is streamed in time order (see {@link HistoryReader}), the reaps are read
 * beside it in their own time order, and nothing is held but one sum per group. An
 * allocation that made a record adds its size, a free that released one takes it away, and a
 * reap takes away what its process still held ({@code reap_totals}), at the reap's time,
 * after the events of its microsecond. With every filter off, the sums at the end are the
 * live bytes {@code tracker stats} shows, as long as the history is whole (not pruned).
 *
 * <p>Events before the span's start are summed, not shown: the first level shown is what was
 * held at the start. Levels are handed on once per microsecond and group, when they
 * changed. Not thread-safe: one per command.
 */
final class LiveBytesTimeline {

    /** Receives the timeline in time order. */
    interface Listener {
        /** The level of {@code group} from {@code micros} on. */
        void level(long micros, MemoryGroup group, long bytes);

        /** A reap at {@code micros}: after the levels it changed. */
        void reap(ReapMark reap);
    }

    /** A reap as a timeline marks it. */
    record ReapMark(long micros, long processId, Integer pid, String reason, long bytes, String command) {
    }

    private final HistoryFilter filter;
    private final long shownFrom;
    private final Listener listener;
    private final Map<MemoryGroup, long[]> levels = new HashMap<>();
    /** Groups changed at {@link #pendingMicros}, not yet handed on. */
    private final Set<MemoryGroup> changed = new LinkedHashSet<>();
    private long pendingMicros = Long.MIN_VALUE;
    private boolean started;

    /**
     * @param filter   which processes and devices; its {@code from} is where the shown span starts
     *                 (everything before is summed), {@code to} where it ends
     * @param listener told of every level change and reap in the span
     */
    LiveBytesTimeline(HistoryFilter filter, Listener listener) {
        this.filter = filter;
        this.shownFrom = filter.from();
        this.listener = listener;
    }

    /**
     * Walks the history and the reaps up to the span's end.
     *
     * @param history   a connection for the history (read in one snapshot)
     * @param reaps     another connection, for the reaps read beside it
     * @param onDamaged told of each damaged history chunk (skipped)
     */
    void walk(Connection history, Connection reaps, Consumer<String> onDamaged) throws SQLException {
        HistoryFilter everything = new HistoryFilter(filter.pid(), filter.device(), null, Long.MIN_VALUE, filter.to(),
                filter.tags());
        try (ReapCursor cursor = new ReapCursor(reaps)) {
            new HistoryReader(history, everything, onDamaged).read(0, event -> {
                long micros = Times.micros(event.receivedAt());
                // a reap comes after the events of its microsecond: it removed what they left
                try {
                    while (cursor.current != null && cursor.current.mark().micros() < micros) {
                        applyReap(cursor);
                    }
                } catch (SQLException e) {
                    throw Backend.readFailed(e);
                }
                apply(event, micros);
            });
            while (cursor.current != null) {
                applyReap(cursor);
            }
        }
        startAt(Math.max(shownFrom, pendingMicros));
        flush();
    }

    private void apply(HistoryEvent event, long micros) {
        MessageType type = MessageType.ofCode(event.typeCode());
        if (type == null || !type.changesLiveSet() || !event.recordKnown()) {
            return;
        }
        long delta;
        if (type.allocates()) {
            if (event.refCountAfter() != 1) {
                return; // a second reference to a record: its bytes are counted once
            }
            delta = event.size();
        } else {
            if (event.refCountAfter() != 0) {
                return;
            }
            delta = -event.size();
        }
        change(micros, group(type, event), delta);
    }

    private static MemoryGroup group(MessageType type, HistoryEvent event) {
        return switch (type) {
            case CB_ALLOC, CB_FREE -> new MemoryGroup(event.deviceId(), "CB", EventNames.CB_MEMORY);
            case KERNEL_LOAD, KERNEL_UNLOAD -> new MemoryGroup(event.deviceId(), "KERNEL",
                    KernelType.nameOf(event.bufferType()));
            default -> {
                MemoryType memory = MemoryType.ofCode(event.bufferType());
                yield new MemoryGroup(event.deviceId(), "BUFFER",
                        memory == null ? Integer.toString(event.bufferType()) : memory.name());
            }
        };
    }

    private void applyReap(ReapCursor cursor) throws SQLException {
        ReapCursor.Reap reap = cursor.current;
        for (Map.Entry<MemoryGroup, Long> held : reap.held().entrySet()) {
            change(reap.mark().micros(), held.getKey(), -held.getValue());
        }
        if (reap.mark().micros() >= shownFrom) {
            startAt(reap.mark().micros());
            flush();
            listener.reap(reap.mark());
        }
        cursor.advance();
    }

    private void change(long micros, MemoryGroup group, long delta) {
        startAt(micros);
        if (micros != pendingMicros) {
            flush();
            pendingMicros = micros;
        }
        levels.computeIfAbsent(group, g -> new long[1])[0] += delta;
        changed.add(group);
    }

    /**
     * When the walk reaches the span: what every group held before it is handed on as its level
     * at the span's start (with whatever changes at that very microsecond).
     */
    private void startAt(long micros) {
        if (started || micros < shownFrom) {
            return;
        }
        flush();
        started = true;
        if (shownFrom != Long.MIN_VALUE) {
            changed.clear();
            pendingMicros = shownFrom;
            levels.keySet().stream().sorted(MemoryGroup.ORDER).forEach(changed::add);
        }
    }

    /** Hands on the levels changed at {@link #pendingMicros}, when it is in the span. */
    private void flush() {
        if (pendingMicros >= shownFrom) {
            for (MemoryGroup group : changed) {
                listener.level(pendingMicros, group, levels.get(group)[0]);
            }
        }
        changed.clear();
    }

    /**
     * The reaps of the filter's processes up to its end, in time order, one at a time with what
     * each held per group: read from {@code reaps} and {@code reap_totals} (whose device filter
     * narrows the held bytes, not the reaps).
     */
    private final class ReapCursor implements AutoCloseable {

        record Reap(ReapMark mark, Map<MemoryGroup, Long> held) {
        }

        private final PreparedStatement statement;
        private final ResultSet rows;
        private boolean more;
        Reap current;

        ReapCursor(Connection connection) throws SQLException {
            SqlFilter where = new SqlFilter()
                    .when(filter.pid(), "r.pid = ?")
                    .when(filter.hasTo() ? Times.utc(filter.to()) : null, "r.reaped_at <= ?");
            filter.tags().addTo(where, "r.process_id");
            SqlFilter device = new SqlFilter().when(filter.device(), "t.device_id = ?");
            // the device's condition binds first: it is in the join, before the WHERE
            String sql = "SELECT r.id, r.process_id, r.pid, r.reaped_at, r.reason, r.command,"
                    + " t.device_id, t.kind, t.type, t.bytes FROM reaps r LEFT JOIN reap_totals t ON t.reap_id = r.id"
                    + device.and() + where.where() + " ORDER BY r.reaped_at, r.id";
            statement = connection.prepareStatement(sql);
            try {
                where.bind(statement, device.bind(statement, 1));
                rows = statement.executeQuery();
                more = rows.next();
                advance();
            } catch (SQLException e) {
                statement.close();
                throw e;
            }
        }

        /** Moves to the next reap; {@link #current} is null at the end. */
        void advance() throws SQLException {
            if (!more) {
                current = null;
                return;
            }
            long id = rows.getLong(1);
            long micros = Times.micros(rows.getObject(4, OffsetDateTime.class).toInstant());
            Integer pid = (Integer) rows.getObject(3);
            long processId = rows.getLong(2);
            String reason = rows.getString(5);
            String command = rows.getString(6);
            Map<MemoryGroup, Long> held = new HashMap<>();
            long bytes = 0;
            while (more && rows.getLong(1) == id) {
                if (rows.getObject(7) != null) {
                    held.put(new MemoryGroup(rows.getInt(7), rows.getString(8), rows.getString(9)), rows.getLong(10));
                    bytes += rows.getLong(10);
                }
                more = rows.next();
            }
            current = new Reap(new ReapMark(micros, processId, pid, reason, bytes, command), held);
        }

        @Override
        public void close() throws SQLException {
            try (statement) {
                rows.close();
            }
        }
    }
}
