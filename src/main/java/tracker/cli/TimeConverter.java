package tracker.cli;

import java.time.Clock;
import java.time.Instant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli's way to the {@link Instant} of {@code --since}/{@code --until}: a relative time is
 * counted back from the command line's clock (registered per command line, see
 * {@link TrackerCommand}), and a time outside the years 1 to 9999 is refused, where the
 * microsecond timestamps of the database would overflow. Thread-safe.
 */
final class TimeConverter implements ITypeConverter<Instant> {

    /** The first and last instants a --since/--until may name. */
    static final Instant FIRST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private final Clock clock;

    TimeConverter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Instant convert(String text) {
        try {
            return TimeParser.parse(text, clock);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
