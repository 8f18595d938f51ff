package tracker.cli;

import picocli.CommandLine.Option;
import tracker.report.LineWidth;

/**
 * {@code --wide} and {@code --width}, for the commands whose tables end with the process's
 * command line ({@link Main#TABLES_WITH_COMMAND}). Without either, {@link Main} gives
 * {@code --width} the terminal's width (see {@link TerminalWidth}).
 */
final class TableWidthOptions {

    @Option(names = "--wide", description = "In a table, print COMMAND in full, whatever the width.")
    boolean wide;

    @Option(names = TerminalWidth.OPTION, paramLabel = "N", converter = TerminalWidth.Converter.class,
            description = "In a table, cut each line to N characters by shortening COMMAND, which then ends with "
                    + "'...'; the other columns are never cut. Default: COLUMNS, else the terminal's width; "
                    + "no limit when the output is not a terminal.")
    Integer width;

    /** The width a table's lines are cut to. */
    LineWidth lineWidth() {
        return wide || width == null ? LineWidth.UNLIMITED : new LineWidth(width);
    }
}
