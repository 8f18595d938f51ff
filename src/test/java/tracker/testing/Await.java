package tracker.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it until a deadline (see {@link Poll}), instead of
 * sleeping for a guessed time.
 */
public final class Await {

    /** The deadline of {@link #until(String, BooleanSupplier)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private Await() {
    }

    /** Polls until {@code condition} holds; fails after {@link #DEFAULT_TIMEOUT}. */
    public static void until(String description, BooleanSupplier condition) {
        Poll.until(DEFAULT_TIMEOUT, condition, description);
    }

    /** Polls until {@code condition} holds; fails after {@code timeout}. */
    public static void until(Duration timeout, BooleanSupplier condition, String description) {
        Poll.until(timeout, condition, description);
    }

    /** Polls until {@code condition} holds; fails after {@code timeout} with the description computed then. */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> description) {
        Poll.until(timeout, condition, description);
    }

    /** Checks that {@code condition} holds for the whole {@code period}. */
    public static void holdsFor(Duration period, BooleanSupplier condition, Supplier<String> description) {
        Poll.holdsFor(period, condition, description);
    }
}
