package tracker.store;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cancels a statement when its time is up, however far it got: H2's own query timeout covers
 * the execution of the statement, not the fetching of a lazily computed result, which is
 * where a streamed join spends its time. Cancels with {@link Statement#cancel()}, which H2
 * notices at its next check; never with an interrupt, which would close H2's file channel
 * under every other session. Thread-safe.
 */
public final class QueryDeadline implements AutoCloseable {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final ScheduledFuture<?> pending;
    private final AtomicBoolean expired = new AtomicBoolean();

    private QueryDeadline(Statement statement, Duration limit) {
        this.pending = TIMER.schedule(() -> expire(statement), limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Starts the clock of {@code statement} now. */
    public static QueryDeadline start(Statement statement, Duration limit) {
        return new QueryDeadline(statement, limit);
    }

    /** Whether the time ran out (and the statement was cancelled). */
    public boolean expired() {
        return expired.get();
    }

    private void expire(Statement statement) {
        expired.set(true);
        try {
            statement.cancel();
        } catch (SQLException | RuntimeException e) {
            // the statement already ended: nothing to stop
        }
    }

    @Override
    public void close() {
        pending.cancel(false);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "tracker-sql-deadline");
            thread.setDaemon(true);
            return thread;
        });
        // a finished query's pending cancel goes at once, not when it would have fired
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
