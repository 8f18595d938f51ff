package tracker.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A result as rows of named columns. Cells are null, String, Number, Boolean,
 * {@link java.time.Instant}, {@link Bytes} or {@link Hex}; each format renders them its own
 * way. Not thread-safe.
 */
public final class Report {

    private final List<String> columns;
    private final List<Object[]> rows = new ArrayList<>();

    public Report(String... columns) {
        this.columns = List.of(columns);
    }

    public Report(List<String> columns) {
        this.columns = List.copyOf(columns);
    }

    public Report add(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("row of " + cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(cells);
        return this;
    }

    /** A copy without one column: nested reports do not fit CSV. */
    public Report without(String column) {
        int index = columns.indexOf(column);
        if (index < 0) {
            return this;
        }
        List<String> kept = new ArrayList<>(columns);
        kept.remove(index);
        Report copy = new Report(kept);
        for (Object[] row : rows) {
            List<Object> cells = new ArrayList<>(Arrays.asList(row));
            cells.remove(index);
            copy.add(cells.toArray());
        }
        return copy;
    }

    /** A copy whose column {@code from} is called {@code to}: a table's heading may be shorter than the field. */
    public Report renamed(String from, String to) {
        List<String> names = new ArrayList<>(columns);
        int index = names.indexOf(from);
        if (index < 0) {
            return this;
        }
        names.set(index, to);
        Report copy = new Report(names);
        rows.forEach(copy::add);
        return copy;
    }

    /** A copy with {@code column} first, its cells {@code cells} (one per row, in order). */
    public Report withFirst(String column, List<?> cells) {
        if (cells.size() != rows.size()) {
            throw new IllegalArgumentException(cells.size() + " cells of " + column + " for " + rows.size() + " rows");
        }
        List<String> names = new ArrayList<>();
        names.add(column);
        names.addAll(columns);
        Report copy = new Report(names);
        for (int r = 0; r < rows.size(); r++) {
            Object[] row = new Object[columns.size() + 1];
            row[0] = cells.get(r);
            System.arraycopy(rows.get(r), 0, row, 1, columns.size());
            copy.add(row);
        }
        return copy;
    }

    /** A copy with only {@code kept}, in that order: a table shows fewer fields than JSON and CSV. */
    public Report select(List<String> kept) {
        int[] indexes = new int[kept.size()];
        for (int k = 0; k < indexes.length; k++) {
            indexes[k] = columns.indexOf(kept.get(k));
            if (indexes[k] < 0) {
                throw new IllegalArgumentException("no column " + kept.get(k) + " in " + columns);
            }
        }
        Report copy = new Report(kept);
        for (Object[] row : rows) {
            Object[] cells = new Object[indexes.length];
            for (int k = 0; k < indexes.length; k++) {
                cells[k] = row[indexes[k]];
            }
            copy.add(cells);
        }
        return copy;
    }

    public List<String> columns() {
        return columns;
    }

    public List<Object[]> rows() {
        return rows;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public Object cell(int row, String column) {
        return rows.get(row)[columns.indexOf(column)];
    }

    @Override
    public String toString() {
        return columns + " x " + rows.size() + " rows: " + (rows.isEmpty() ? "" : Arrays.toString(rows.get(0)));
    }
}
