package tracker.store;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.NotificationEmitter;

/**
 * Cancels every running {@code tracker sql} query when the heap stays full after a collection.
 * H2 has no per-query memory limit, and a query that grows without bound (a GROUP BY over a
 * large join keeps every group in memory) ends in an OutOfMemoryError inside H2's statement
 * execution, after which H2 closes the whole database: every session, the daemon's writer too.
 * So before that: when a collection leaves the old generation more than {@link #THRESHOLD}
 * full, the queries are cancelled ({@link Statement#cancel()}, which H2 checks as it goes
 * through rows; never an interrupt). The daemon's own memory is bounded elsewhere, so what
 * fills the heap past this is a query. Thread-safe.
 */
public final class QueryMemoryGuard implements AutoCloseable {

    /** Fraction of the old generation still used after a collection that stops the queries. */
    static final double THRESHOLD = 0.7;

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

    private static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        boolean watched = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            // the pool that outlives young collections: the one a growing query ends up filling
            if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()
                    && pool.getUsage().getMax() > 0 && isOldGeneration(pool.getName())) {
                pool.setCollectionUsageThreshold((long) (pool.getUsage().getMax() * THRESHOLD));
                watched = true;
            }
        }
        if (watched) {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener((notification, hand) -> {
                if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(notification.getType())) {
                    cancelAll();
                }
            }, null, null);
        }
    }

    private static boolean isOldGeneration(String name) {
        return name.contains("Old Gen") || name.contains("Tenured") || name.equals("G1 Old Gen");
    }
}
