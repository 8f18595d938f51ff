package tracker.cli;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@link Instant#toString()} without a formatter: the date and time of the last second
 * seen are kept, only the fraction is written anew. History times come in runs within the
 * same second, so most calls build no date. Not thread-safe: one per output.
 */
final class InstantText {

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: outside, ISO-8601 adds a sign or digits. */
    private static final long FIRST_PLAIN_SECOND = -62_167_219_200L;
    private static final long LAST_PLAIN_SECOND = 253_402_300_799L;
    /** yyyy-MM-ddTHH:mm:ss and the closing Z */
    private static final int PLAIN_LENGTH = 20;

    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;

    String format(Instant instant) {
        return appendTo(new StringBuilder(32), instant).toString();
    }

    /** The length of {@link #format}, without writing it. */
    int length(Instant instant) {
        if (!plain(instant)) {
            return instant.toString().length();
        }
        int nanos = instant.getNano();
        return PLAIN_LENGTH + (nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 4 : nanos % 1000 == 0 ? 7 : 10);
    }

    StringBuilder appendTo(StringBuilder text, Instant instant) {
        if (!plain(instant)) {
            return text.append(instant);
        }
        long second = instant.getEpochSecond();
        if (second != cachedSecond) {
            cachedPrefix = dateAndTime(second);
            cachedSecond = second;
        }
        int nanos = instant.getNano();
        text.append(cachedPrefix);
        // as ISO_INSTANT: the fraction in groups of three digits, as many as it needs
        if (nanos != 0) {
            text.append('.');
            if (nanos % 1_000_000 == 0) {
                appendDigits(text, nanos / 1_000_000, 3);
            } else if (nanos % 1000 == 0) {
                appendDigits(text, nanos / 1000, 6);
            } else {
                appendDigits(text, nanos, 9);
            }
        }
        return text.append('Z');
    }

    private static boolean plain(Instant instant) {
        long second = instant.getEpochSecond();
        return second >= FIRST_PLAIN_SECOND && second <= LAST_PLAIN_SECOND;
    }

    /**
     * yyyy-MM-ddTHH:mm:ss of a second within years 0000-9999, as ISO_INSTANT writes it, but
     * without the formatter: its first use in a JVM costs more than a thousand lines.
     */
    private static String dateAndTime(long second) {
        LocalDateTime time = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
        StringBuilder text = new StringBuilder(PLAIN_LENGTH);
        appendDigits(text, time.getYear(), 4);
        text.append('-');
        appendDigits(text, time.getMonthValue(), 2);
        text.append('-');
        appendDigits(text, time.getDayOfMonth(), 2);
        text.append('T');
        appendDigits(text, time.getHour(), 2);
        text.append(':');
        appendDigits(text, time.getMinute(), 2);
        text.append(':');
        appendDigits(text, time.getSecond(), 2);
        return text.toString();
    }

    /** {@code value} (not negative) in exactly {@code digits} digits, zeros first. */
    private static void appendDigits(StringBuilder text, int value, int digits) {
        int start = text.length();
        for (int i = 0; i < digits; i++) {
            text.append('0');
        }
        for (int at = start + digits - 1; value > 0; at--, value /= 10) {
            text.setCharAt(at, (char) ('0' + value % 10));
        }
    }
}
