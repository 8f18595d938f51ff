package tracker.cli;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import tracker.store.LiveRow;
import tracker.store.LiveSegments;
import tracker.store.StorageException;

/**
 * The committed live set with each record's owner, read from the segments directly: with
 * {@code --pid}, only that process's segments are read.
 */
final class LiveRecords {

    /** A live record and who holds it. */
    record Owned(LiveRow row, Integer pid, int reportedPid, String command) {
        /** The pid to show: ours when resolved, else the one the client reported, marked. */
        Object displayPid() {
            return LiveRecords.displayPid(pid, reportedPid);
        }
    }

    /** A host pid, or for an unresolved process the pid it reported, marked as another namespace's. */
    static Object displayPid(Integer hostPid, int reportedPid) {
        return hostPid != null ? hostPid : "ns:" + reportedPid;
    }

    /** Table order: device, kind, type, address. */
    static final Comparator<Owned> ORDER = Comparator.<Owned>comparingInt(o -> o.row().deviceId())
            .thenComparing(o -> o.row().kind()).thenComparing(o -> o.row().type())
            .thenComparingLong(o -> o.row().bufferId());

    private record Owner(long id, Integer pid, int reportedPid, String command) {
    }

    private LiveRecords() {
    }

    /**
     * Every live record, or those of the processes with host pid {@code pid}; unsorted. Read
     * in one snapshot, so that a reap committing meanwhile is seen whole or not at all.
     */
    static List<Owned> read(Handle handle, Integer pid) {
        return handle.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> readIn(h, pid));
    }

    private static List<Owned> readIn(Handle handle, Integer pid) {
        Map<Long, Owner> owners = new HashMap<>();
        var query = handle.createQuery("SELECT id, pid, reported_pid, command FROM processes p"
                + " WHERE EXISTS (SELECT 1 FROM live_segments s WHERE s.process_id = p.id)"
                + (pid == null ? "" : " AND p.pid = ?"));
        if (pid != null) {
            query.bind(0, pid);
        }
        query.map((rs, ctx) -> new Owner(rs.getLong(1), (Integer) rs.getObject(2), rs.getInt(3), rs.getString(4)))
                .forEach(owner -> owners.put(owner.id(), owner));
        List<Owned> out = new ArrayList<>();
        try {
            if (pid == null) {
                for (LiveSegments.ProcessLiveSet set : LiveSegments.readAll(handle.getConnection())) {
                    add(out, owners.get(set.processId()), set.processId(), set.rows());
                }
            } else {
                for (Owner owner : owners.values()) {
                    add(out, owner, owner.id(), LiveSegments.readProcess(handle.getConnection(), owner.id()));
                }
            }
        } catch (SQLException e) {
            throw new StorageException(e);
        }
        return out;
    }

    /** Per process id: its live records and their bytes. */
    static Map<Long, long[]> totalsByProcess(List<Owned> records) {
        Map<Long, long[]> totals = new HashMap<>();
        for (Owned record : records) {
            long[] total = totals.computeIfAbsent(record.row().processId(), id -> new long[2]);
            total[0]++;
            total[1] += record.row().size();
        }
        return totals;
    }

    private static void add(List<Owned> out, Owner owner, long processId, Iterable<LiveRow> rows) {
        Owner known = owner != null ? owner : new Owner(processId, null, 0, "");
        for (LiveRow row : rows) {
            out.add(new Owned(row, known.pid(), known.reportedPid(), known.command()));
        }
    }
}
