package tracker.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tracker.report.Bytes;
import tracker.report.Hex;
import tracker.store.HistoryEvent;

/**
 * Writes history events as a table while they stream in. The first {@link #LOOKAHEAD}
 * events are held to size the columns: a history that short (the usual {@code --limit},
 * {@code --buffer} or {@code --pid} answer) is the table {@code Renderer.table} makes of the
 * same rows, cell for cell. A longer one is written as it comes, each column as wide as its
 * widest cell among those first events or as {@link #STREAMED} says a well-formed event
 * needs (time to the microsecond, a pid up to Linux's pid_max, a device below 1024, sizes up
 * to the 1 TiB the daemon accepts), whichever is wider; a cell wider still (data no
 * well-formed frame carries) pushes the rest of its line, it is never cut. So nothing but
 * those first events is held, whatever the length of the history.
 *
 * <p>Cells are made without {@code String.format} for sizes (few distinct ones, so each is
 * made once here) and without the date formatter (see {@link InstantText}). Not thread-safe:
 * one per output.
 */
final class HistoryTable {

    static final List<String> COLUMNS = List.of("time", "pid", "event", "device_id", "type", "buffer_id", "size",
            "ref_count", "unknown_free", "client_time");
    private static final int TIME = 0;
    private static final int PID = 1;
    private static final int EVENT = 2;
    private static final int DEVICE = 3;
    private static final int TYPE = 4;
    private static final int BUFFER = 5;
    private static final int SIZE = 6;
    private static final int REF_COUNT = 7;
    private static final int UNKNOWN_FREE = 8;
    private static final int CLIENT_TIME = 9;
    private static final int LAST = CLIENT_TIME;
    /** Events held to size the columns before the first line is written. */
    static final int LOOKAHEAD = 1024;
    /**
     * Widths a streamed table gives each column at least, from what the daemon accepts: a
     * microsecond time (27), pid_max 4194304 (7), device ids 0..1023, the longest event name
     * (KERNEL_UNLOAD) and type name (SYSTEM_MEMORY), a 64-bit address (18), a size up to
     * 1 TiB ("1023 GiB", 8), a client time to the nanosecond (30).
     */
    static final int[] STREAMED = {27, 7, 13, 4, 13, 18, 8, 1, 5, 30};
    private static final int BLOCK_CHARS = 32 * 1024;
    /** What println writes, as the generic renderer ends its lines. */
    private static final String NEWLINE = System.lineSeparator();
    private static final String SPACES = " ".repeat(64);
    /** An empty cell, as the generic renderer writes null. */
    private static final String NONE = "-";

    private final PrintWriter out;
    private final InstantText times = new InstantText();
    private final InstantText clientTimes = new InstantText();
    private final Map<Long, String> sizes = new HashMap<>();
    private final int[] widths = new int[COLUMNS.size()];
    private final boolean[] right = new boolean[COLUMNS.size()];
    private final List<HistoryEvent> held = new ArrayList<>();
    /** Lines go out in blocks: a writer call per line costs more than the line's characters. */
    private final StringBuilder block = new StringBuilder(BLOCK_CHARS + 256);
    private boolean streaming;

    HistoryTable(PrintWriter out) {
        this.out = out;
        for (int c = 0; c < widths.length; c++) {
            widths[c] = COLUMNS.get(c).length();
        }
    }

    /**
     * An event's cells as JSON, CSV and the generic table take them: a size only when the
     * event knows its record.
     */
    static Object[] cells(HistoryEvent event) {
        return new Object[] {event.receivedAt(), event.pid(), EventNames.event(event), event.deviceId(),
                EventNames.type(event), new Hex(event.bufferId()), event.recordKnown() ? new Bytes(event.size()) : null,
                event.refCountAfter(), event.unknownFree(), ClientTime.of(event.clientTimestamp())};
    }

    /** The whole table of {@code events}. */
    static void write(List<HistoryEvent> events, PrintWriter out) {
        HistoryTable table = new HistoryTable(out);
        events.forEach(table::add);
        table.finish();
    }

    /** Takes the next event, in the order of the table. */
    void add(HistoryEvent event) {
        if (streaming) {
            line(event);
            return;
        }
        held.add(event);
        if (held.size() > LOOKAHEAD) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], STREAMED[c]);
            }
            start(true);
            streaming = true;
        }
    }

    /** Writes what is left; the table is complete. */
    void finish() {
        if (!streaming) {
            start(false);
        }
        out.append(block);
        block.setLength(0);
        out.flush();
    }

    /** Sizes the columns from the held events, writes the heading and those events. */
    private void start(boolean more) {
        boolean anyPid = more;
        boolean anySize = more;
        for (HistoryEvent event : held) {
            anyPid |= event.pid() != null;
            anySize |= event.recordKnown();
            widen(TIME, times.length(event.receivedAt()));
            widen(PID, pidLength(event));
            widen(EVENT, EventNames.event(event).length());
            widen(DEVICE, digits(event.deviceId()));
            widen(TYPE, type(event).length());
            widen(BUFFER, hexLength(event.bufferId()));
            widen(SIZE, size(event).length());
            widen(REF_COUNT, digits(event.refCountAfter()));
            widen(UNKNOWN_FREE, event.unknownFree() ? 4 : 5);
            Instant clientTime = ClientTime.of(event.clientTimestamp());
            widen(CLIENT_TIME, clientTime == null ? NONE.length() : clientTimes.length(clientTime));
        }
        // as the Renderer: numbers and sizes right-aligned, when a row holds one
        if (!held.isEmpty()) {
            right[PID] = anyPid;
            right[DEVICE] = true;
            right[SIZE] = anySize;
            right[REF_COUNT] = true;
        }
        for (int c = 0; c < widths.length; c++) {
            String heading = COLUMNS.get(c).toUpperCase(java.util.Locale.ROOT);
            before(block, c, heading.length()).append(heading);
            after(block, c, heading.length());
        }
        block.append(NEWLINE);
        for (HistoryEvent event : held) {
            line(event);
        }
        held.clear();
    }

    private void line(HistoryEvent event) {
        appendLine(block, event);
        if (block.length() >= BLOCK_CHARS) {
            out.append(block);
            block.setLength(0);
        }
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

        length = event.unknownFree() ? 4 : 5;
        before(line, UNKNOWN_FREE, length).append(event.unknownFree());
        after(line, UNKNOWN_FREE, length);

        Instant clientTime = ClientTime.of(event.clientTimestamp());
        if (clientTime == null) {
            before(line, CLIENT_TIME, NONE.length()).append(NONE);
        } else {
            clientTimes.appendTo(before(line, CLIENT_TIME, clientTimes.length(clientTime)), clientTime);
        }
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
        return event.recordKnown() ? sizes.computeIfAbsent(event.size(), Bytes::human) : NONE;
    }

    private static String type(HistoryEvent event) {
        String type = EventNames.type(event);
        return type == null ? NONE : type;
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
