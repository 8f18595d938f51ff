package tracker.cli;

import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A glob of {@code --command}, compiled once: a glob that does not compile is one line naming
 * what is wrong where, not the regular expression it became. Thread-safe.
 */
final class GlobConverter implements ITypeConverter<PathMatcher> {

    @Override
    public PathMatcher convert(String text) {
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + text);
        } catch (PatternSyntaxException e) {
            throw new TypeConversionException("'" + text + "' is not a glob: " + e.getDescription().toLowerCase(
                    java.util.Locale.ROOT) + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : ""));
        }
    }
}
