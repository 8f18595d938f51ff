package tracker.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Conversions between the microsecond clock of the ingest path and SQL timestamps. */
public final class Times {

    private Times() {
    }

    public static OffsetDateTime utc(long epochMicros) {
        return Instant.EPOCH.plusNanos(epochMicros * 1000).atOffset(ZoneOffset.UTC);
    }

    public static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    public static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
    }

    public static Instant instant(long epochMicros) {
        return Instant.EPOCH.plusNanos(epochMicros * 1000);
    }
}
