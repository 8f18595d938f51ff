package tracker.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A buffer id (an address): hex {@code 0x1a2b} or decimal, unsigned 64 bits. Thread-safe. */
final class BufferIdConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16)
                    : Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a buffer id (0x1a2b or decimal)");
        }
    }
}
