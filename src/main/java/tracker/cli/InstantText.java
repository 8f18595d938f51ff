package tracker.cli;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@link Instant#toString()} without a formatter: the date and time of the last second
 * seen are kept, only the fraction is written anew. History times come in
 * runs within the same second, so most calls build no date. Not thread-safe: one per output.
 */
final class InstantText {

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: outside, ISO-8601 adds a sign or digits. */
    private static final long FIRST_PLAIN_SECOND = -62_167_219_200L;
    private static final long LAST_PLAIN_SECOND = 253_402_300_799L;

    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;
    private final StringBuilder text = new StringBuilder(32);

    String format(Instant instant) {
        long second = instant.getEpochSecond();
        if (second < FIRST_PLAIN_SECOND || second > LAST_PLAIN_SECOND) {
            return instant.toString();
        }
        if (second != cachedSecond) {
            cachedPrefix = dateAndTime(second);
            cachedSecond = second;
        }
        int nanos = instant.getNano();
        text.setLength(0);
        text.append(cachedPrefix);
        // as ISO_INSTANT: the fraction in groups of three digits, as many as it needs
        if (nanos != 0) {
            text.append('.');
            if (nanos % 1_000_000 == 0) {
                appendDigits(nanos / 1_000_000, 3);
            } else if (nanos % 1000 == 0) {
                appendDigits(nanos / 1000, 6);
            } else {
                appendDigits(nanos, 9);
            }
        }
        return text.append('Z').toString();
    }

    /**
     * yyyy-MM-ddTHH:mm:ss of a second within years 0000-9999, as ISO_INSTANT writes it, but
     * without the formatter: its first use in a JVM costs more than a thousand lines.
     */
    private String dateAndTime(long second) {
        LocalDateTime time = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
        text.setLength(0);
        appendDigits(time.getYear(), 4);
        text.append('-');
        appendDigits(time.getMonthValue(), 2);
        text.append('-');
        appendDigits(time.getDayOfMonth(), 2);
        text.append('T');
        appendDigits(time.getHour(), 2);
        text.append(':');
        appendDigits(time.getMinute(), 2);
        text.append(':');
        appendDigits(time.getSecond(), 2);
        return text.toString();
    }

    private void appendDigits(int value, int digits) {
        int start = text.length();
        for (int i = 0; i < digits; i++) {
            text.append('0');
        }
        for (int at = start + digits - 1; value > 0; at--, value /= 10) {
            text.setCharAt(at, (char) ('0' + value % 10));
        }
    }
}
