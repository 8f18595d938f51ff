package tracker.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** Small shared reads and row mappers. */
public final class Queries {

    private Queries() {
    }

    /** Processes not yet ended that own at least one live record. */
    public static List<ProcessRow> processesHoldingRecords(Handle handle) {
        return handle.createQuery("SELECT p.* FROM processes p WHERE p.ended_at IS NULL"
                        + " AND EXISTS (SELECT 1 FROM live_segments s WHERE s.process_id = p.id)")
                .map(Queries::processRow).list();
    }

    public static Map<String, Long> counters(Handle handle) {
        Map<String, Long> counters = new LinkedHashMap<>();
        handle.createQuery("SELECT name, total FROM counters ORDER BY name")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(entry -> counters.put(entry.getKey(), entry.getValue()));
        return counters;
    }

    public static ProcessRow processRow(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ProcessRow(
                rs.getLong("id"),
                (Integer) rs.getObject("pid"),
                rs.getInt("reported_pid"),
                (Long) rs.getObject("start_ticks"),
                rs.getString("boot_id"),
                (Integer) rs.getObject("uid"),
                rs.getString("command"),
                micros(rs, "first_seen"),
                micros(rs, "last_seen"));
    }

    public static LiveRow liveRow(ResultSet rs, StatementContext ctx) throws SQLException {
        return new LiveRow(rs.getString("kind"), rs.getInt("device_id"), rs.getLong("buffer_id"),
                rs.getString("type"), rs.getLong("size"), rs.getInt("ref_count"), rs.getLong("process_id"),
                micros(rs, "allocated_at"));
    }

    public static long micros(ResultSet rs, String column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? 0 : Times.micros(time.toInstant());
    }
}
