package tracker.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A size in bytes: {@code 4096}, or with a unit, {@code 512KiB}, {@code 512MiB}, {@code 1GiB},
 * {@code 1TiB} (powers of 1024) or {@code kB}, {@code MB}, {@code GB}, {@code TB} (powers of
 * 1000); {@code B} alone is bytes. Units in any case, a space allowed before them. Never
 * negative. Thread-safe.
 */
final class SizeConverter implements ITypeConverter<Long> {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-z]*)");

    static final String EXAMPLES = "examples: 4096, 512KiB, 512MiB, 1GiB, 2GB";

    @Override
    public Long convert(String text) {
        Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new TypeConversionException("'" + text + "' is not a size in bytes (" + EXAMPLES + ")");
        }
        long unit = switch (matcher.group(2)) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw new TypeConversionException("'" + text + "': unknown unit '" + matcher.group(2)
                    + "' (" + EXAMPLES + ")");
        };
        try {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TypeConversionException("'" + text + "' is too large a size");
        }
    }
}
