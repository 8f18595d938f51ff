package tracker.report;

/**
 * How many characters a table's lines may take: a line too long loses the end of its last
 * field (the process's command line), cut and marked with {@link #ELLIPSIS}; the fields before
 * it are never cut, so a line whose other fields alone are too long stays too long.
 */
public record LineWidth(int columns) {

    /** No limit: JSON, CSV, --wide, and output that is not a terminal. */
    public static final LineWidth UNLIMITED = new LineWidth(Integer.MAX_VALUE);

    /** Marks a cut field. Plain ASCII: a daemon and its client may use different encodings. */
    public static final String ELLIPSIS = "...";

    public LineWidth {
        if (columns < 1) {
            throw new IllegalArgumentException("a line width is at least 1, not " + columns);
        }
    }

    /** The width left after an indent of {@code characters}. */
    public LineWidth less(int characters) {
        return columns == Integer.MAX_VALUE ? this : new LineWidth(Math.max(1, columns - characters));
    }

    /**
     * {@code line} cut to fit: its text from {@code tailStart} on (the last field) is shortened
     * and ends with {@link #ELLIPSIS}; when cutting would not make it shorter, it is whole.
     * Counts characters (code points), never splitting one.
     */
    public String fit(String line, int tailStart) {
        if (line.length() <= columns || line.codePointCount(0, line.length()) <= columns) {
            return line;
        }
        int head = line.codePointCount(0, tailStart);
        int tail = line.codePointCount(tailStart, line.length());
        int keep = Math.max(0, columns - head - ELLIPSIS.length());
        if (keep + ELLIPSIS.length() >= tail) {
            return line;
        }
        return line.substring(0, line.offsetByCodePoints(tailStart, keep)).concat(ELLIPSIS);
    }
}
