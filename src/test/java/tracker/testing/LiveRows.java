package tracker.testing;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/** Reads the daemon's committed live set and counters straight from its database. */
public final class LiveRows {

    /** One row of the {@code allocations} table, without owner and time. */
    public record Row(String kind, int deviceId, long bufferId, String type, long size, int refCount) {
    }

    private LiveRows() {
    }

    public static List<Row> all(TestDaemon daemon) {
        return all(daemon.daemon().database().jdbi());
    }

    public static List<Row> all(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT kind, device_id, buffer_id, type, size, ref_count FROM allocations"
                                + " ORDER BY kind, device_id, buffer_id")
                .map((rs, ctx) -> new Row(rs.getString("kind"), rs.getInt("device_id"), rs.getLong("buffer_id"),
                        rs.getString("type"), rs.getLong("size"), rs.getInt("ref_count")))
                .list());
    }

    public static Set<Row> set(TestDaemon daemon) {
        return new HashSet<>(all(daemon));
    }

    /** The committed value of a {@code counters} row. */
    public static long counter(TestDaemon daemon, String name) {
        return daemon.daemon().database().jdbi().withHandle(h ->
                h.createQuery("SELECT total FROM counters WHERE name = :name").bind("name", name)
                        .mapTo(Long.class).one());
    }
}
