package tracker.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.Option;
import tracker.report.Format;

/** {@code --format table|json|csv}, shared by every query command. */
final class OutputOptions {
    @Option(names = "--format", paramLabel = "table|json|csv", defaultValue = "table",
            converter = FormatConverter.class, completionCandidates = FormatCandidates.class,
            description = "Output format: table (sizes human-readable), json or csv (exact bytes); "
                    + "for leaks also junit (JUnit XML), for history also trace (Chrome trace JSON). Default: ${DEFAULT-VALUE}.")
    Format format = Format.TABLE;

    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            try {
                return Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a format (table, json or csv; junit for leaks, trace for history)");
            }
        }
    }

    /**
     * The values shell completion offers, as the help writes them: not junit, which only
     * {@code leaks} takes, nor trace, which only {@code history} takes (the option is shared), so that {@code j} still completes to json.
     */
    static final class FormatCandidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Format.values()).filter(format -> format != Format.JUNIT && format != Format.TRACE)
                    .map(format -> format.name().toLowerCase(Locale.ROOT)).iterator();
        }
    }
}
