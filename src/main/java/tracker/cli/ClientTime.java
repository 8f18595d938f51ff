package tracker.cli;

import java.time.Instant;

/**
 * A client's timestamp as a time. Clients send {@code std::chrono::system_clock} ticks since
 * the epoch, whose unit is their C++ library's: nanoseconds with libstdc++, microseconds with
 * libc++; the frame does not say which. The magnitude does: from {@link #NANOSECONDS_FROM}
 * on a value is nanoseconds, below it microseconds. Stateless.
 */
final class ClientTime {

    /**
     * 10^17: as nanoseconds 1973-03-03, as microseconds the year 5138. A nanosecond clock of
     * any machine since 1973 is above it, a microsecond clock below it until then.
     */
    static final long NANOSECONDS_FROM = 100_000_000_000_000_000L;

    private ClientTime() {
    }

    /** The time of {@code ticks} (unsigned), or null for 0: the client sent none (every FREE). */
    static Instant of(long ticks) {
        if (ticks == 0) {
            return null;
        }
        if (Long.compareUnsigned(ticks, NANOSECONDS_FROM) < 0) {
            return Instant.ofEpochSecond(ticks / 1_000_000, ticks % 1_000_000 * 1000);
        }
        return Instant.ofEpochSecond(Long.divideUnsigned(ticks, 1_000_000_000),
                Long.remainderUnsigned(ticks, 1_000_000_000));
    }
}
