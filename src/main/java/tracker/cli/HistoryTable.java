package tracker.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tracker.report.Bytes;
import tracker.store.HistoryEvent;

/**
 * Writes history events as the table {@code Renderer.table} makes of the same rows, cell
 * for cell, but streaming: a first pass measures the columns without making their text, a
 * second writes each line straight into the output. A {@code Report} of 100,000 events held
 * a million cells until the end, and spent most of its time in {@code String.format} for
 * sizes (few distinct ones, so each is made once here) and in the date formatter (see
 * {@link InstantText}). Not thread-safe: one per output.
 */
final class HistoryTable {

    static final List<String> COLUMNS = List.of("time", "pid", "event", "device_id", "type", "buffer_id", "size",
            "ref_count", "unknown_free");
    private static final int TIME = 0;
    private static final int PID = 1;
    private static final int EVENT = 2;
    private static final int DEVICE = 3;
    private static final int TYPE = 4;
    private static final int BUFFER = 5;
    private static final int SIZE = 6;
    private static final int REF_COUNT = 7;
    private static final int UNKNOWN_FREE = 8;
    private static final int LAST = UNKNOWN_FREE;
    private static final int BLOCK_CHARS = 32 * 1024;
    /** What println writes, as the generic renderer ends its lines. */
    private static final String NEWLINE = System.lineSeparator();
    private static final String SPACES = " ".repeat(64);

    private final InstantText times = new InstantText();
    private final Map<Long, String> sizes = new HashMap<>();
    private final int[] widths = new int[COLUMNS.size()];
    private final boolean[] right = new boolean[COLUMNS.size()];

    private HistoryTable() {
    }

    static void write(List<HistoryEvent> events, PrintWriter out) {
        new HistoryTable().print(events, out);
    }

    private void print(List<HistoryEvent> events, PrintWriter out) {
        for (int c = 0; c < widths.length; c++) {
            widths[c] = COLUMNS.get(c).length();
        }
        boolean anyPid = false;
        for (HistoryEvent event : events) {
            anyPid |= event.pid() != null;
            widen(TIME, times.length(event.receivedAt()));
            widen(PID, pidLength(event));
            widen(EVENT, EventNames.event(event).length());
            widen(DEVICE, digits(event.deviceId()));
            widen(TYPE, type(event).length());
            widen(BUFFER, hexLength(event.bufferId()));
            widen(SIZE, size(event).length());
            widen(REF_COUNT, digits(event.refCountAfter()));
            widen(UNKNOWN_FREE, event.unknownFree() ? 4 : 5);
        }
        // as the Renderer: numbers and sizes right-aligned, when a row holds one
        if (!events.isEmpty()) {
            right[PID] = anyPid;
            right[DEVICE] = true;
            right[SIZE] = true;
            right[REF_COUNT] = true;
        }
        // lines go out in blocks: a writer call per line costs more than the line's characters
        StringBuilder block = new StringBuilder(BLOCK_CHARS + 256);
        for (int c = 0; c < widths.length; c++) {
            String heading = COLUMNS.get(c).toUpperCase(java.util.Locale.ROOT);
            before(block, c, heading.length()).append(heading);
            after(block, c, heading.length());
        }
        block.append(NEWLINE);
        for (HistoryEvent event : events) {
            appendLine(block, event);
            if (block.length() >= BLOCK_CHARS) {
                out.append(block);
                block.setLength(0);
            }
        }
        out.append(block);
        out.flush();
    }

    private void appendLine(StringBuilder line, HistoryEvent event) {
        int length = times.length(event.receivedAt());
        times.appendTo(before(line, TIME, length), event.receivedAt());
        after(line, TIME, length);

        length = pidLength(event);
        before(line, PID, length);
        if (event.pid() == null) {
            line.append('-');
        } else {
            line.append(event.pid().intValue());
        }
        after(line, PID, length);

        String name = EventNames.event(event);
        before(line, EVENT, name.length()).append(name);
        after(line, EVENT, name.length());

        length = digits(event.deviceId());
        before(line, DEVICE, length).append(event.deviceId());
        after(line, DEVICE, length);

        String type = type(event);
        before(line, TYPE, type.length()).append(type);
        after(line, TYPE, type.length());

        String hex = Long.toHexString(event.bufferId());
        before(line, BUFFER, 2 + hex.length()).append("0x").append(hex);
        after(line, BUFFER, 2 + hex.length());

        String size = size(event);
        before(line, SIZE, size.length()).append(size);
        after(line, SIZE, size.length());

        length = digits(event.refCountAfter());
        before(line, REF_COUNT, length).append(event.refCountAfter());
        after(line, REF_COUNT, length);

        before(line, UNKNOWN_FREE, event.unknownFree() ? 4 : 5).append(event.unknownFree());
        line.append(NEWLINE);
    }

    private void widen(int column, int length) {
        if (length > widths[column]) {
            widths[column] = length;
        }
    }

    /** The separator, and the padding of a right-aligned cell. */
    private StringBuilder before(StringBuilder line, int column, int length) {
        if (column > 0) {
            line.append("  ");
        }
        return right[column] ? spaces(line, widths[column] - length) : line;
    }

    /** The padding of a left-aligned cell, but for the last column. */
    private void after(StringBuilder line, int column, int length) {
        if (!right[column] && column != LAST) {
            spaces(line, widths[column] - length);
        }
    }

    private static StringBuilder spaces(StringBuilder line, int count) {
        for (int left = count; left > 0; left -= SPACES.length()) {
            line.append(SPACES, 0, Math.min(left, SPACES.length()));
        }
        return line;
    }

    private String size(HistoryEvent event) {
        return sizes.computeIfAbsent(event.size(), Bytes::human);
    }

    private static String type(HistoryEvent event) {
        String type = EventNames.type(event);
        return type == null ? "-" : type;
    }

    private static int pidLength(HistoryEvent event) {
        return event.pid() == null ? 1 : digits(event.pid());
    }

    /** The length of {@code Integer.toString(value)}. */
    static int digits(int value) {
        long rest = value;
        int length = 1;
        if (rest < 0) {
            length++;
            rest = -rest;
        }
        while (rest >= 10) {
            rest /= 10;
            length++;
        }
        return length;
    }

    /** The length of "0x" and {@code Long.toHexString(value)}. */
    static int hexLength(long value) {
        return 2 + Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 3) / 4);
    }
}
