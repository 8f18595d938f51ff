package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tracker.report.Bytes;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.store.HistoryEvent;

/** The history table must be the one the generic renderer makes of the same rows, to the character. */
class HistoryTableTest {

    private static String generic(List<HistoryEvent> events) {
        Report report = new Report(HistoryTable.COLUMNS);
        for (HistoryEvent e : events) {
            report.add(HistoryTable.cells(e));
        }
        StringWriter text = new StringWriter();
        Renderer.render(report, tracker.report.Format.TABLE, new PrintWriter(text));
        return text.toString();
    }

    private static String fast(List<HistoryEvent> events) {
        StringWriter text = new StringWriter();
        HistoryTable.write(events, new PrintWriter(text));
        return text.toString();
    }

    private static HistoryEvent event(Random random, Integer pid) {
        long micros = 1_700_000_000_000_000L + random.nextLong() % 100_000_000_000L;
        // whole seconds and milliseconds too: ISO-8601 writes shorter fractions for them
        micros -= switch (random.nextInt(4)) {
            case 0 -> micros % 1_000_000;
            case 1 -> micros % 1000;
            default -> 0;
        };
        long size = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(1024);
            case 1 -> random.nextInt(1 << 30);
            case 2 -> random.nextLong() & Long.MAX_VALUE;
            default -> 1L << random.nextInt(63);
        };
        // ids are unsigned on the wire: as Java ints and longs they may be negative
        int device = random.nextInt(5) == 0 ? random.nextInt() : random.nextInt(40);
        int refCount = random.nextInt(5) == 0 ? random.nextInt() : random.nextInt(100_000);
        long buffer = random.nextInt(5) == 0 ? random.nextInt(16) : random.nextLong();
        return new HistoryEvent(7, pid, Instant.EPOCH.plusNanos(micros * 1000), random.nextInt(16), device,
                random.nextInt(7), size, buffer, clientTimestamp(random), refCount, random.nextBoolean(),
                random.nextInt(4) > 0);
    }

    /** None, nanoseconds or microseconds (to the second, millisecond or finer), or any 64 bits. */
    private static long clientTimestamp(Random random) {
        long micros = 1_700_000_000_000_000L + random.nextLong() % 100_000_000_000L;
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> micros * 1000 + random.nextInt(1000);
            case 2 -> micros - micros % 1_000_000;
            case 3 -> micros - micros % 1000;
            case 4 -> micros;
            default -> random.nextLong();
        };
    }

    @Test
    void randomHistoriesRenderAsTheGenericTable() {
        Random random = new Random(20261126);
        for (int round = 0; round < 200; round++) {
            List<HistoryEvent> events = new ArrayList<>();
            int count = random.nextInt(60);
            boolean pidsKnown = random.nextInt(3) > 0;
            for (int i = 0; i < count; i++) {
                events.add(event(random, pidsKnown || random.nextInt(4) == 0 ? 1 + random.nextInt(4_000_000) : null));
            }
            assertEquals(generic(events), fast(events), "round " + round);
        }
    }

    @Test
    void measuresNumbersAsTheirTextIsLong() {
        Random random = new Random(3);
        int[] ints = {0, 9, 10, -1, -10, Integer.MAX_VALUE, Integer.MIN_VALUE, 1_000_000_000};
        for (int value : ints) {
            assertEquals(Integer.toString(value).length(), HistoryTable.digits(value), Integer.toString(value));
        }
        long[] longs = {0, 1, 15, 16, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        for (long value : longs) {
            assertEquals(2 + Long.toHexString(value).length(), HistoryTable.hexLength(value), Long.toString(value));
        }
        for (int i = 0; i < 10_000; i++) {
            int value = random.nextInt() >> random.nextInt(32);
            assertEquals(Integer.toString(value).length(), HistoryTable.digits(value), Integer.toString(value));
            long id = random.nextLong() >>> random.nextInt(64);
            assertEquals(2 + Long.toHexString(id).length(), HistoryTable.hexLength(id), Long.toString(id));
        }
    }

    @Test
    void anEmptyHistoryIsTheHeaderAlone() {
        assertEquals(generic(List.of()), fast(List.of()));
        assertEquals("TIME  PID  EVENT  DEVICE_ID  TYPE  BUFFER_ID  SIZE  REF_COUNT  UNKNOWN_FREE  CLIENT_TIME"
                + System.lineSeparator(), fast(List.of()));
    }

    @Test
    void aLongHistoryStreamsInColumnsWideEnoughForAnyWellFormedEvent() {
        Random random = new Random(11);
        List<HistoryEvent> events = new ArrayList<>();
        for (int i = 0; i < HistoryTable.LOOKAHEAD * 3; i++) {
            // the first events are narrow; later ones reach the widths a well-formed frame allows
            boolean wide = i > HistoryTable.LOOKAHEAD + 5;
            long micros = 1_800_000_000_000_000L + i * 1001L;
            events.add(new HistoryEvent(7, wide ? 4_194_304 : 12, Instant.EPOCH.plusNanos(micros * 1000),
                    wide ? 11 : 2, wide ? 1023 : 0, wide ? 2 : 0, wide ? (1L << 40) - 1 : 64,
                    wide ? -1L : random.nextInt(4096), 1_764_662_400_000_000_001L + i * 1000L, wide ? 999_999_999 : 0,
                    false, true));
        }
        List<String> lines = fast(events).lines().toList();
        assertEquals(events.size() + 1, lines.size());
        // every column starts at the same offset on every line: the first events did not size them alone
        int sizeEnd = lines.get(0).indexOf("SIZE") + 4;
        int bufferStart = lines.get(0).indexOf("BUFFER_ID");
        for (String line : lines.subList(1, lines.size())) {
            assertEquals(bufferStart, line.indexOf("0x"), line);
            assertEquals(' ', line.charAt(sizeEnd), line);
            assertTrue(Character.isLetter(line.charAt(sizeEnd - 1)), line);
            assertEquals(lines.get(1).length(), line.length(), line);
        }
        // a cell wider than any well-formed event pushes its line, and is written whole
        events.add(new HistoryEvent(7, 12, Instant.EPOCH, 2, 0, 0, Long.MAX_VALUE, 0, 0, 0, false, true));
        List<String> pushed = fast(events).lines().toList();
        assertTrue(pushed.get(pushed.size() - 1).contains(Bytes.human(Long.MAX_VALUE)), pushed.get(pushed.size() - 1));
    }
}
