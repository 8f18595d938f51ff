package tracker.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import tracker.store.Times;

/**
 * {@code tracker history --format trace}: the processes the filter shows, with their
 * lifetimes, then the live bytes per device and group over time and the reaps, as a Chrome
 * trace (see {@link ChromeTrace}). Streams: processes are read row by row, the timeline as
 * running sums (see {@link LiveBytesTimeline}). Stateless.
 */
final class HistoryTrace {

    private HistoryTrace() {
    }

    /**
     * @param damaged gets a line for each damaged history chunk skipped
     */
    static void write(Backend backend, HistoryFilter filter, PrintWriter out, List<String> damaged) {
        backend.withConnection(history -> backend.withConnection(other -> {
            try (ChromeTrace trace = new ChromeTrace(out, "tracker history --format trace")) {
                writeProcesses(other, filter, trace);
                new LiveBytesTimeline(filter, new LiveBytesTimeline.Listener() {
                    @Override
                    public void level(long micros, MemoryGroup group, long bytes) {
                        trace.counter(micros, group, bytes);
                    }

                    @Override
                    public void reap(LiveBytesTimeline.ReapMark reap) {
                        trace.reap(reap);
                    }
                }).walk(history, other, damaged::add);
            }
            return null;
        }));
        out.flush();
    }

    /** Every process the filter shows that was seen in its span, in order of first sight. */
    private static void writeProcesses(Connection connection, HistoryFilter filter, ChromeTrace trace)
            throws SQLException {
        SqlFilter where = new SqlFilter()
                .when(filter.pid(), "pid = ?")
                .when(filter.hasTo() ? Times.utc(filter.to()) : null, "first_seen <= ?")
                .when(filter.hasFrom() ? Times.utc(filter.from()) : null, "COALESCE(ended_at, last_seen) >= ?");
        filter.tags().addTo(where, "id");
        String sql = "SELECT id, pid, reported_pid, command, first_seen, last_seen, ended_at, end_reason, peak_bytes"
                + " FROM processes" + where.where() + " ORDER BY first_seen, id";
        try (PreparedStatement statement = where.bind(connection.prepareStatement(sql));
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                long id = rows.getLong(1);
                Integer pid = (Integer) rows.getObject(2);
                String command = rows.getString(4);
                long first = micros(rows, 5);
                OffsetDateTime ended = rows.getObject(7, OffsetDateTime.class);
                long end = ended != null ? Times.micros(ended.toInstant()) : micros(rows, 6);
                String shownPid = pid != null ? "pid " + pid : "ns:" + rows.getInt(3);
                trace.process(ChromeTrace.tracePid(pid, id), shownPid + ": " + command, first, end, new Object[] {
                        "pid", pid, "reported_pid", rows.getInt(3), "state", ended != null ? "ended" : "live",
                        "end_reason", rows.getString(8), "peak_bytes", rows.getObject(9), "command", command});
            }
        }
    }

    private static long micros(ResultSet rows, int column) throws SQLException {
        return Times.micros(rows.getObject(column, OffsetDateTime.class).toInstant());
    }
}
