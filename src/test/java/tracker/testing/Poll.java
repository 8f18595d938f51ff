package tracker.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it until a deadline, instead of sleeping for a guessed
 * time: a test goes on as soon as the condition holds and fails with a description when it
 * never does.
 */
public final class Poll {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private Poll() {
    }

    /** Polls until {@code condition} holds; fails after {@code timeout}. */
    public static void until(Duration timeout, BooleanSupplier condition, String description) {
        until(timeout, condition, () -> description);
    }

    /**
     * Polls until {@code condition} holds; fails after {@code timeout} with the description,
     * computed at failure time so it can show the state that was last seen.
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> description) {
        untilNanos(System.nanoTime() + timeout.toNanos(), timeout, condition, description);
    }

    /** Like {@link #until(Duration, BooleanSupplier, Supplier)}, with a deadline that started earlier. */
    public static void untilNanos(long deadlineNanos, Duration timeout, BooleanSupplier condition,
                                  Supplier<String> description) {
        long started = deadlineNanos - timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms (waited "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms): " + description.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Checks that {@code condition} holds, again and again, for the whole {@code period}:
     * for what must NOT happen within a window (a process must not be reaped while it lives).
     * Fails as soon as it stops holding.
     */
    public static void holdsFor(Duration period, BooleanSupplier condition, Supplier<String> description) {
        long end = System.nanoTime() + period.toNanos();
        while (true) {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("stopped holding within " + period.toMillis() + " ms: " + description.get());
            }
            if (System.nanoTime() - end >= 0) {
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
