package tracker.cli;

import java.util.ArrayList;
import java.util.List;
import tracker.report.Report;
import tracker.report.Tags;

/**
 * The {@code tags} column of a table: shown before the command line when a process in the
 * answer has tags, left out when none has (most answers, where nobody tags). JSON and CSV
 * always have it.
 */
final class TagColumn {

    static final String NAME = "tags";

    private TagColumn() {
    }

    /** {@code tableColumns} without {@code tags} when no row of {@code report} has any. */
    static List<String> shown(Report report, List<String> tableColumns) {
        int index = report.columns().indexOf(NAME);
        if (index < 0 || !tableColumns.contains(NAME)) {
            return tableColumns;
        }
        for (Object[] row : report.rows()) {
            if (row[index] instanceof Tags tags && !tags.isEmpty()) {
                return tableColumns;
            }
        }
        List<String> without = new ArrayList<>(tableColumns);
        without.remove(NAME);
        return without;
    }
}
