package tracker.cli;

import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --kind buffer|cb|kernel} (any case, singular or plural) to the stored name. Thread-safe. */
final class KindConverter implements ITypeConverter<String> {

    @Override
    public String convert(String text) {
        try {
            return Kinds.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + text + "' is not a kind (buffer, cb or kernel)");
        }
    }

    /** The values shell completion offers, as the help writes them. */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("buffer", "cb", "kernel").iterator();
        }
    }
}
