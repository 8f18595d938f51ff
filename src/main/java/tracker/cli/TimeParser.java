package tracker.cli;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Parses the times of {@code --since}/{@code --until}: ISO-8601 (an instant, a date-time with
 * or without offset, or a date; local ones in the system time zone) or a relative form
 * meaning that long ago ({@code 10m}, {@code 2h}, {@code 7d}). Only times of the years 1 to
 * 9999: beyond them the database's microsecond timestamps would overflow.
 */
final class TimeParser {

    private TimeParser() {
    }

    /** @throws IllegalArgumentException with one line saying why {@code text} is not a time */
    static Instant parse(String text, Clock clock) {
        String value = text.trim();
        Duration ago = null;
        try {
            ago = DurationParser.parse(value);
        } catch (IllegalArgumentException notRelative) {
            // try the absolute forms
        }
        Instant time = ago != null ? ago(ago, clock, text) : absolute(value, text);
        return inRange(time, text);
    }

    /**
     * The time {@code age} before now.
     *
     * @throws IllegalArgumentException when that is before the year 1
     */
    static Instant ago(Duration age, Clock clock, String text) {
        try {
            return inRange(clock.instant().minus(age), text);
        } catch (DateTimeException | ArithmeticException e) {
            throw outOfRange(text);
        }
    }

    private static Instant absolute(String value, String text) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            // next
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            // next
        }
        try {
            return LocalDateTime.parse(value).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            // next
        }
        try {
            return LocalDate.parse(value).atStartOfDay(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time (examples: 10m, 2h, 7d, "
                    + "2026-11-26T09:00:00Z, 2026-11-26)");
        }
    }

    private static Instant inRange(Instant time, String text) {
        if (time.isBefore(TimeConverter.FIRST) || time.isAfter(TimeConverter.LAST)) {
            throw outOfRange(text);
        }
        return time;
    }

    private static IllegalArgumentException outOfRange(String text) {
        return new IllegalArgumentException("'" + text + "' is not a time between the years 1 and 9999");
    }
}
