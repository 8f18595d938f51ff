package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import tracker.report.ReportPage;
import tracker.store.Times;

/**
 * The few figures {@code tracker report} shows beside its charts, each one query on the
 * processes and reaps of its span: never the history. Not thread-safe: one per command.
 */
final class ReportFacts {

    private final Connection connection;
    private final HistoryFilter filter;

    ReportFacts(Connection connection, HistoryFilter filter) {
        this.connection = connection;
        this.filter = filter;
    }

    /**
     * The span to chart, in microseconds: from --since, else the first event or reap; to
     * --until, else the last event or reap; {@code now} when there is none.
     */
    long[] span(Instant now) throws SQLException {
        long start = filter.hasFrom() ? filter.from() : Long.MAX_VALUE;
        long end = filter.hasTo() ? filter.to() : Long.MIN_VALUE;
        SqlFilter chunks = new SqlFilter().when(filter.pid(), "pid = ?");
        SqlFilter reaps = new SqlFilter().when(filter.pid(), "pid = ?");
        String sql = "SELECT (SELECT MIN(first_at) FROM event_chunks" + chunks.where() + "),"
                + " (SELECT MAX(last_at) FROM event_chunks" + chunks.where() + "),"
                + " (SELECT MIN(reaped_at) FROM reaps" + reaps.where() + "),"
                + " (SELECT MAX(reaped_at) FROM reaps" + reaps.where() + ")";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int next = chunks.bind(statement, 1);
            next = chunks.bind(statement, next);
            next = reaps.bind(statement, next);
            reaps.bind(statement, next);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                for (int column = 1; column <= 4; column++) {
                    OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
                    if (time == null) {
                        continue;
                    }
                    long micros = Times.micros(time.toInstant());
                    if (!filter.hasFrom()) {
                        start = Math.min(start, micros);
                    }
                    if (!filter.hasTo()) {
                        end = Math.max(end, micros);
                    }
                }
            }
        }
        long nowMicros = Times.micros(now);
        if (start == Long.MAX_VALUE) {
            start = Math.min(nowMicros, end == Long.MIN_VALUE ? nowMicros : end);
        }
        if (end == Long.MIN_VALUE) {
            end = Math.max(start, nowMicros);
        }
        return new long[] {start, Math.max(end, start + 1)};
    }

    /** Processes seen in the span. */
    long processCount() throws SQLException {
        SqlFilter where = seenInSpan();
        return count("SELECT COUNT(*) FROM processes" + where.where(), where);
    }

    long reapCount() throws SQLException {
        SqlFilter where = reapedInSpan();
        return count("SELECT COUNT(*) FROM reaps" + where.where(), where);
    }

    /** How many processes were reaped in the span holding memory, and how much they held. */
    long[] leakTotals() throws SQLException {
        SqlFilter where = reapedInSpan().always("buffer_bytes + cb_bytes + kernel_bytes > 0");
        try (PreparedStatement statement = where.bind(connection.prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(buffer_bytes + cb_bytes + kernel_bytes), 0) FROM reaps" + where.where()));
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2)};
        }
    }

    /** The {@code limit} processes seen in the span with the highest peaks. */
    List<ReportPage.Holder> holders(int limit) throws SQLException {
        SqlFilter where = seenInSpan().always("peak_bytes > 0");
        List<ReportPage.Holder> holders = new ArrayList<>();
        try (PreparedStatement statement = where.bind(connection.prepareStatement(
                "SELECT pid, reported_pid, ended_at, end_reason, peak_bytes, peak_at, first_seen, command FROM processes"
                        + where.where() + " ORDER BY peak_bytes DESC, id LIMIT " + limit));
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                OffsetDateTime ended = rows.getObject(3, OffsetDateTime.class);
                holders.add(new ReportPage.Holder(LiveRecords.displayPid((Integer) rows.getObject(1), rows.getInt(2)),
                        ended == null ? "live" : "ended (" + rows.getString(4) + ")", rows.getLong(5), instant(rows, 6),
                        instant(rows, 7), rows.getString(8)));
            }
        }
        return holders;
    }

    /** The {@code limit} largest leaks of the span. */
    List<ReportPage.Leak> leaks(int limit) throws SQLException {
        SqlFilter where = reapedInSpan().always("buffer_bytes + cb_bytes + kernel_bytes > 0");
        List<ReportPage.Leak> leaks = new ArrayList<>();
        try (PreparedStatement statement = where.bind(connection.prepareStatement(
                "SELECT pid, reported_pid, reaped_at, reason, buffers + cbs + kernels, buffer_bytes + cb_bytes + kernel_bytes,"
                        + " command FROM reaps" + where.where()
                        + " ORDER BY buffer_bytes + cb_bytes + kernel_bytes DESC, id LIMIT " + limit));
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                leaks.add(new ReportPage.Leak(LiveRecords.displayPid((Integer) rows.getObject(1), rows.getInt(2)),
                        instant(rows, 3), rows.getString(4), rows.getLong(5), rows.getLong(6), rows.getString(7)));
            }
        }
        return leaks;
    }

    private SqlFilter seenInSpan() {
        return new SqlFilter().when(filter.pid(), "pid = ?")
                .when(filter.hasTo() ? Times.utc(filter.to()) : null, "first_seen <= ?")
                .when(filter.hasFrom() ? Times.utc(filter.from()) : null, "COALESCE(ended_at, last_seen) >= ?");
    }

    private SqlFilter reapedInSpan() {
        return new SqlFilter().when(filter.pid(), "pid = ?")
                .when(filter.hasFrom() ? Times.utc(filter.from()) : null, "reaped_at >= ?")
                .when(filter.hasTo() ? Times.utc(filter.to()) : null, "reaped_at <= ?");
    }

    private long count(String sql, SqlFilter where) throws SQLException {
        try (PreparedStatement statement = where.bind(connection.prepareStatement(sql));
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
        return time == null ? null : Times.instant(Times.micros(time.toInstant()));
    }
}
