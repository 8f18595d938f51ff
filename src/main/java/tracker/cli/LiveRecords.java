package tracker.cli;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
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
     * in one snapshot, so that a reap committing meanwhile is seen whole or not at all. Holds
     * the whole selection: for totals, {@link #forEach} holds one process's records at a time.
     */
    static List<Owned> read(Handle handle, Integer pid) {
        List<Owned> out = new ArrayList<>();
        forEach(handle, pid, out::add);
        return out;
    }

    /**
     * Hands every live record (or those of the processes with host pid {@code pid}) to
     * {@code sink}, process by process, in one snapshot as {@link #read}; only the process
     * being read is held.
     */
    static void forEach(Handle handle, Integer pid, Consumer<Owned> sink) {
        // a whole-database snapshot: processes and live_segments as of one commit
        java.sql.Connection connection = handle.getConnection();
        try {
            int before = connection.getTransactionIsolation();
            connection.setTransactionIsolation(tracker.store.Database.snapshotIsolation(connection));
            try {
                handle.useTransaction(h -> forEachIn(h, pid, sink));
            } finally {
                connection.setTransactionIsolation(before);
            }
        } catch (java.sql.SQLException e) {
            throw Backend.readFailed(e);
        }
    }

    private static void forEachIn(Handle handle, Integer pid, Consumer<Owned> sink) {
        Map<Long, Owner> owners = new HashMap<>();
        var query = handle.createQuery("SELECT id, pid, reported_pid, command FROM processes p"
                + " WHERE EXISTS (SELECT 1 FROM live_segments s WHERE s.process_id = p.id)"
                + (pid == null ? "" : " AND p.pid = ?"));
        if (pid != null) {
            query.bind(0, pid);
        }
        query.map((rs, ctx) -> new Owner(rs.getLong(1), (Integer) rs.getObject(2), rs.getInt(3), rs.getString(4)))
                .forEach(owner -> owners.put(owner.id(), owner));
        try {
            if (pid == null) {
                LiveSegments.forEachProcess(handle.getConnection(), null,
                        set -> add(sink, owners.get(set.processId()), set.processId(), set.rows()));
            } else {
                for (Owner owner : owners.values()) {
                    LiveSegments.forEachProcess(handle.getConnection(), owner.id(),
                            set -> add(sink, owner, owner.id(), set.rows()));
                }
            }
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    /**
     * Per process id, among the processes with host pid {@code pid} (all when null): its live
     * records and bytes by kind. Holds one process's records at a time.
     */
    static Map<Long, HeldTotals> totalsByProcess(Handle handle, Integer pid) {
        Map<Long, HeldTotals.Tally> tallies = new HashMap<>();
        forEach(handle, pid, record -> tallies.computeIfAbsent(record.row().processId(), id -> new HeldTotals.Tally())
                .add(record.row().kind(), record.row().size()));
        Map<Long, HeldTotals> totals = new HashMap<>();
        tallies.forEach((id, tally) -> totals.put(id, tally.totals()));
        return totals;
    }

    private static void add(Consumer<Owned> sink, Owner owner, long processId, Iterable<LiveRow> rows) {
        Owner known = owner != null ? owner : new Owner(processId, null, 0, "");
        for (LiveRow row : rows) {
            sink.accept(new Owned(row, known.pid(), known.reportedPid(), known.command()));
        }
    }
}
