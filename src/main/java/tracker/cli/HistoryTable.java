package tracker.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tracker.report.Bytes;
import tracker.store.HistoryEvent;

/**
 * Writes history events as the table {@code Renderer.table} makes of the same rows, cell
 * for cell, but without a {@code Report} of boxed cells: a history of 100,000 events spent
 * most of its time in {@code String.format} for sizes (few distinct ones, so each is made
 * once here) and in the date formatter (see {@link InstantText}).
 */
final class HistoryTable {

    static final List<String> COLUMNS = List.of("time", "pid", "event", "device_id", "type", "buffer_id", "size",
            "ref_count", "unknown_free");
    private static final int PID = 1;
    private static final int DEVICE = 3;
    private static final int SIZE = 6;
    private static final int REF_COUNT = 7;
    private static final int BLOCK_CHARS = 32 * 1024;
    /** What println writes, as the generic renderer ends its lines. */
    private static final String NEWLINE = System.lineSeparator();
    private static final String SPACES = " ".repeat(64);

    private final InstantText times = new InstantText();
    private final Map<Long, String> sizes = new HashMap<>();

    static void write(List<HistoryEvent> events, PrintWriter out) {
        new HistoryTable().print(events, out);
    }

    private void print(List<HistoryEvent> events, PrintWriter out) {
        int columns = COLUMNS.size();
        int[] widths = new int[columns];
        boolean[] right = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            widths[c] = COLUMNS.get(c).length();
        }
        String[][] text = new String[events.size()][];
        boolean anyPid = false;
        for (int r = 0; r < text.length; r++) {
            HistoryEvent event = events.get(r);
            anyPid |= event.pid() != null;
            String[] row = {
                    times.format(event.receivedAt()),
                    event.pid() == null ? "-" : event.pid().toString(),
                    EventNames.event(event),
                    Integer.toString(event.deviceId()),
                    orDash(EventNames.type(event)),
                    "0x".concat(Long.toHexString(event.bufferId())), // no + : see Main.controlSocketOf
                    sizes.computeIfAbsent(event.size(), Bytes::human),
                    Integer.toString(event.refCountAfter()),
                    Boolean.toString(event.unknownFree())};
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
            text[r] = row;
        }
        // as the Renderer: numbers and sizes right-aligned, when a row holds one
        if (text.length > 0) {
            right[PID] = anyPid;
            right[DEVICE] = true;
            right[SIZE] = true;
            right[REF_COUNT] = true;
        }
        // lines go out in blocks: a writer call per line costs more than the line's characters
        StringBuilder block = new StringBuilder(BLOCK_CHARS + 256);
        appendRow(block, COLUMNS.stream().map(String::toUpperCase).toArray(String[]::new), widths, right);
        block.append(NEWLINE);
        for (String[] row : text) {
            appendRow(block, row, widths, right);
            block.append(NEWLINE);
            if (block.length() >= BLOCK_CHARS) {
                out.append(block);
                block.setLength(0);
            }
        }
        out.append(block);
        out.flush();
    }

    private static String orDash(String text) {
        return text == null ? "-" : text;
    }

    private static void appendRow(StringBuilder line, String[] cells, int[] widths, boolean[] right) {
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            int pad = widths[c] - cells[c].length();
            if (right[c]) {
                spaces(line, pad).append(cells[c]);
            } else {
                line.append(cells[c]);
                if (c < cells.length - 1) {
                    spaces(line, pad);
                }
            }
        }
    }

    private static StringBuilder spaces(StringBuilder line, int count) {
        for (int left = count; left > 0; left -= SPACES.length()) {
            line.append(SPACES, 0, Math.min(left, SPACES.length()));
        }
        return line;
    }
}
