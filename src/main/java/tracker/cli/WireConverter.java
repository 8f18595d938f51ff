package tracker.cli;

import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import tracker.wire.WireVersion;

/** {@code --wire v1|v2|v3} (any case). Thread-safe. */
final class WireConverter implements ITypeConverter<WireVersion> {

    @Override
    public WireVersion convert(String text) {
        try {
            return WireVersion.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + text + "' is not a wire version (v1, v2 or v3)");
        }
    }

    /** The values shell completion offers, as the help writes them. */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(WireVersion.values()).map(WireVersion::label).iterator();
        }
    }
}
