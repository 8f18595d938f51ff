package tracker.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code 0}, {@code 250ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d} and ISO-8601 durations. */
final class DurationParser {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w)");

    private DurationParser() {
    }

    static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("0")) {
            return Duration.ZERO; // no unit needed for nothing
        }
        Matcher matcher = SHORT.matcher(value);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofDays(7 * amount);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 10s, 5m, 2h, 7d)");
        }
    }
}
