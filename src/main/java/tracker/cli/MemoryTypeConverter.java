package tracker.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import tracker.wire.MemoryType;

/** {@code --type DRAM|L1|...} (any case) to the stored name. Thread-safe. */
final class MemoryTypeConverter implements ITypeConverter<String> {

    @Override
    public String convert(String text) {
        try {
            return MemoryType.valueOf(text.trim().toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + text + "' is not a memory type (DRAM, L1, SYSTEM_MEMORY,"
                    + " L1_SMALL or TRACE)");
        }
    }

    /** The values shell completion offers, as the help writes them. */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(MemoryType.values()).map(MemoryType::name).iterator();
        }
    }
}
