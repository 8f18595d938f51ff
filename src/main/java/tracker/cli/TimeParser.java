package tracker.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Parses the times of {@code --since}/{@code --until}: ISO-8601 (an instant, a date-time with
 * or without offset, or a date; local ones in the system time zone) or a relative form
 * meaning that long ago ({@code 10m}, {@code 2h}, {@code 7d}).
 */
final class TimeParser {

    private TimeParser() {
    }

    static Instant parse(String text, Clock clock) {
        String value = text.trim();
        try {
            return clock.instant().minus(DurationParser.parse(value));
        } catch (IllegalArgumentException notRelative) {
            // try the absolute forms
        }
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
}
