package tracker.store;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Cancels every running {@code tracker sql} query when the heap stays full after a collection.
 * H2 has no per-query memory limit, and a query that grows without bound (a GROUP BY over a
 * large join keeps every group in memory) ends in an OutOfMemoryError inside H2's statement
 * execution, after which H2 closes the whole database: every session, the daemon's writer too.
 * So before that, the queries are cancelled ({@link Statement#cancel()}, which H2 checks as it
 * goes through rows; never an interrupt). The daemon's own memory is bounded elsewhere, so what
 * fills the heap past this is a query. Thread-safe.
 *
 * <p>When the old generation counts as full: after a young or mixed collection it still holds
 * the garbage of old objects that no collection has looked at yet (G1 reclaims it in its mixed
 * collections, a few regions at a time, after a concurrent mark), so a query that keeps nothing
 * but makes much garbage (a cross join counted) would trip a threshold near G1's own marking
 * threshold. The guard therefore stops the queries at {@link #THRESHOLD} only after a full
 * collection, and after any other at {@link #NEAR_EXHAUSTION}, when the collector is about to
 * run out of room and a full collection, then an OutOfMemoryError, would come next.
 */
public final class QueryMemoryGuard implements AutoCloseable {

    /** Fraction of the old generation still used after a full collection that stops the queries. */
    static final double THRESHOLD = 0.7;
    /** Fraction of the old generation used after any collection that stops the queries. */
    static final double NEAR_EXHAUSTION = 0.9;

    private static final Set<QueryMemoryGuard> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private final Statement statement;
    private final AtomicBoolean tripped = new AtomicBoolean();

    private QueryMemoryGuard(Statement statement) {
        this.statement = statement;
    }

    /** Watches {@code statement} until closed. */
    public static QueryMemoryGuard watch(Statement statement) {
        install();
        QueryMemoryGuard guard = new QueryMemoryGuard(statement);
        RUNNING.add(guard);
        return guard;
    }

    /** Whether this query was cancelled for memory. */
    public boolean tripped() {
        return tripped.get();
    }

    @Override
    public void close() {
        RUNNING.remove(this);
    }

    /** Cancels every watched query; what the collection notification does. */
    static void cancelAll() {
        for (QueryMemoryGuard guard : RUNNING) {
            guard.tripped.set(true);
            try {
                guard.statement.cancel();
            } catch (SQLException | RuntimeException e) {
                // already finished
            }
        }
    }

    /**
     * Whether a collection that left the old generation at {@code after} bytes of {@code max}
     * shows a query filling the heap.
     *
     * @param major whether it was a full collection
     */
    static boolean heapFull(boolean major, long after, long max) {
        if (max <= 0) {
            return false;
        }
        return after > max * (major ? THRESHOLD : NEAR_EXHAUSTION);
    }

    private static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, hand) -> onCollection(notification), null, null);
            }
        }
    }

    private static void onCollection(Notification notification) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())
                || RUNNING.isEmpty()) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
        boolean major = info.getGcAction().contains("major");
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (isOldGeneration(pool.getKey())
                    && heapFull(major, pool.getValue().getUsed(), pool.getValue().getMax())) {
                cancelAll();
                return;
            }
        }
    }

    private static boolean isOldGeneration(String name) {
        return name.contains("Old Gen") || name.contains("Tenured") || name.equals("G1 Old Gen");
    }
}
