package tracker.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli's way to a {@link Duration}: a bad value is a usage error naming the option, exit 2. */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String text) {
        try {
            Duration duration = DurationParser.parse(text);
            if (duration.isNegative()) {
                throw new TypeConversionException("'" + text + "' is negative");
            }
            return duration;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new TypeConversionException("'" + text + "' is not a duration (examples: 500ms, 10s, 5m, 2h, 7d)");
        }
    }
}
