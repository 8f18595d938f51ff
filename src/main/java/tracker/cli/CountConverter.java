package tracker.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A whole number that is never negative ({@code --device}, {@code --limit}, {@code --max-rows}):
 * a negative one is a usage error naming the option, not a filter that matches nothing.
 * Thread-safe.
 */
final class CountConverter implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String text) {
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number");
        }
        if (value < 0) {
            throw new TypeConversionException("'" + text + "' is negative");
        }
        return value;
    }

    /** A process id: above 0. */
    static final class Pid implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            int value = new CountConverter().convert(text);
            if (value == 0) {
                throw new TypeConversionException("'" + text + "' is not a process id (1 or more)");
            }
            return value;
        }
    }
}
