package tracker.reaper;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import tracker.testing.HeldRow;

/** The reads the reaper tests make of the database, by pid as the tracker's namespace knows it. */
final class ReapDb {

    private ReapDb() {
    }

    /** A row of {@code processes}. */
    record ProcessState(long id, Integer pid, int reportedPid, Long startTicks, Integer uid, String command,
                        OffsetDateTime firstSeen, OffsetDateTime lastSeen, OffsetDateTime endedAt,
                        String endReason) {
    }

    /** A row of {@code reaps}. */
    record ReapRow(long id, long processId, Integer pid, int reportedPid, Long startTicks, Integer uid,
                   String command, OffsetDateTime firstSeen, OffsetDateTime lastSeen, OffsetDateTime reapedAt,
                   String reason, int buffers, long bufferBytes, int cbs, long cbBytes, int kernels,
                   long kernelBytes) {
    }

    /** What one consistent read sees of a process: live rows, audit records, audited rows. */
    record Snapshot(long live, long reaps, long reapedRows) {
        /** Either all still live and no audit, or nothing live and one complete audit record. */
        boolean reaped() {
            return live == 0 && reaps == 1 && reapedRows > 0;
        }
    }

    static Set<HeldRow> liveRows(Jdbi jdbi, int pid) {
        return Set.copyOf(jdbi.withHandle(h -> h.createQuery(
                        "SELECT a.kind, a.device_id, a.buffer_id, a.type, a.size, a.ref_count FROM allocations a"
                                + " JOIN processes p ON p.id = a.process_id WHERE p.pid = ?")
                .bind(0, pid)
                .map((rs, ctx) -> new HeldRow(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4),
                        rs.getLong(5), rs.getInt(6)))
                .list()));
    }

    static Set<HeldRow> liveRowsOfProcessId(Jdbi jdbi, long processId) {
        return Set.copyOf(jdbi.withHandle(h -> h.createQuery(
                        "SELECT kind, device_id, buffer_id, type, size, ref_count FROM allocations WHERE process_id = ?")
                .bind(0, processId)
                .map((rs, ctx) -> new HeldRow(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4),
                        rs.getLong(5), rs.getInt(6)))
                .list()));
    }

    static Set<HeldRow> reapedRows(Jdbi jdbi, long reapId) {
        return Set.copyOf(jdbi.withHandle(h -> h.createQuery(
                        "SELECT kind, device_id, buffer_id, type, size, ref_count FROM reaped_allocations WHERE reap_id = ?")
                .bind(0, reapId)
                .map((rs, ctx) -> new HeldRow(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4),
                        rs.getLong(5), rs.getInt(6)))
                .list()));
    }

    static List<ProcessState> processes(Jdbi jdbi, int pid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM processes WHERE pid = ? ORDER BY id")
                .bind(0, pid).map(ReapDb::processState).list());
    }

    private static ProcessState processState(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new ProcessState(rs.getLong("id"), (Integer) rs.getObject("pid"),
                rs.getInt("reported_pid"), (Long) rs.getObject("start_ticks"), (Integer) rs.getObject("uid"),
                rs.getString("command"), rs.getObject("first_seen", OffsetDateTime.class),
                rs.getObject("last_seen", OffsetDateTime.class), rs.getObject("ended_at", OffsetDateTime.class),
                rs.getString("end_reason"));
    }

    static ProcessState process(Jdbi jdbi, int pid) {
        List<ProcessState> rows = processes(jdbi, pid);
        if (rows.size() != 1) {
            throw new AssertionError("expected one processes row for pid " + pid + ", found " + rows);
        }
        return rows.get(0);
    }

    static ProcessState processById(Jdbi jdbi, long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM processes WHERE id = ?")
                .bind(0, id).map(ReapDb::processState).one());
    }

    static List<ReapRow> reapsOfProcessId(Jdbi jdbi, long processId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM reaps WHERE process_id = ? ORDER BY id")
                .bind(0, processId).map(ReapDb::reapRow).list());
    }

    static List<ReapRow> allReaps(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM reaps ORDER BY id").map(ReapDb::reapRow).list());
    }

    static List<ReapRow> reaps(Jdbi jdbi, int pid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM reaps WHERE pid = ? ORDER BY id")
                .bind(0, pid).map(ReapDb::reapRow).list());
    }

    private static ReapRow reapRow(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws java.sql.SQLException {
        return new ReapRow(rs.getLong("id"), rs.getLong("process_id"), (Integer) rs.getObject("pid"),
                rs.getInt("reported_pid"), (Long) rs.getObject("start_ticks"), (Integer) rs.getObject("uid"),
                rs.getString("command"), rs.getObject("first_seen", OffsetDateTime.class),
                rs.getObject("last_seen", OffsetDateTime.class), rs.getObject("reaped_at", OffsetDateTime.class),
                rs.getString("reason"), rs.getInt("buffers"), rs.getLong("buffer_bytes"), rs.getInt("cbs"),
                rs.getLong("cb_bytes"), rs.getInt("kernels"), rs.getLong("kernel_bytes"));
    }

    static Optional<ReapRow> reap(Jdbi jdbi, int pid) {
        List<ReapRow> rows = reaps(jdbi, pid);
        if (rows.size() > 1) {
            throw new AssertionError("pid " + pid + " reaped more than once: " + rows);
        }
        return rows.stream().findFirst();
    }

    /**
     * One snapshot-isolated transaction, so one consistent view: never half a reap. (The
     * {@code allocations} view reads through a function whose statements would each see
     * the latest commit under H2's default READ COMMITTED.)
     */
    static Snapshot snapshot(Jdbi jdbi, int pid) {
        // SNAPSHOT: H2's REPEATABLE READ reads each table (and the view's own read of the segments)
        // as of its first read, which showed a reap half done that never was
        try {
            return jdbi.withHandle(handle -> {
                handle.getConnection().setTransactionIsolation(tracker.store.Database.SNAPSHOT_ISOLATION);
                return handle.inTransaction(h -> snapshotIn(h, pid));
            });
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Snapshot snapshotIn(org.jdbi.v3.core.Handle handle, int pid) {
        return handle.createQuery("SELECT"
                        + " (SELECT COUNT(*) FROM allocations a JOIN processes p ON p.id = a.process_id WHERE p.pid = :pid),"
                        + " (SELECT COUNT(*) FROM reaps WHERE pid = :pid),"
                        + " (SELECT COUNT(*) FROM reaped_allocations r JOIN reaps s ON s.id = r.reap_id WHERE s.pid = :pid)")
                .bind("pid", pid)
                .map((rs, ctx) -> new Snapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                .one();
    }

    static long count(Jdbi jdbi, String table) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
    }
}
