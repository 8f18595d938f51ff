package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveSetCodecTest {

    private static final long OWNER = 42;

    @Test
    void putsAndDeletesReplayInOrder() {
        LiveRow a = new LiveRow("BUFFER", 0, 0x1000_0000L, "DRAM", 4096, 1, OWNER, 1_700_000_000_000_000L);
        LiveRow b = new LiveRow("KERNEL", 1023, 0x7F00_0000_0000L, "FABRIC", 8192, 3, OWNER, 1_699_999_999_000_000L);
        LiveRow c = new LiveRow("CB", 7, 0x10L, "L1", 1L << 40, Integer.MAX_VALUE, OWNER, 5);
        LiveRow bAgain = new LiveRow("KERNEL", 1023, 0x7F00_0000_0000L, "FABRIC", 8192, 4, OWNER, 1_699_999_999_000_000L);
        LiveSetCodec.Writer writer = new LiveSetCodec.Writer();
        writer.put(a);
        writer.put(b);
        writer.put(c);
        writer.delete(new LiveKeyRow("BUFFER", 0, 0x1000_0000L));
        writer.put(bAgain); // a reference-count change: the same key, put again
        assertEquals(5, writer.entries());

        Map<LiveKeyRow, LiveRow> replayed = replay(writer.toBytes());
        assertEquals(List.of(bAgain, c), new ArrayList<>(replayed.values()).stream()
                .sorted(java.util.Comparator.comparing(LiveRow::kind).reversed()).toList());
    }

    @Test
    void negativeAndExtremeValuesSurvive() {
        LiveRow odd = new LiveRow("BUFFER", -1, -1L, "TRACE", Long.MAX_VALUE, 0, OWNER, 0);
        LiveRow low = new LiveRow("BUFFER", 0, Long.MIN_VALUE, "L1_SMALL", 0, 1, OWNER, Long.MAX_VALUE / 1000);
        List<LiveSetCodec.Blob> blobs = LiveSetCodec.encodeAll(List.of(odd, low), 1);
        assertEquals(2, blobs.size(), "one entry per blob asked for");
        assertEquals(List.of(odd), new ArrayList<>(replay(blobs.get(0).data()).values()));
        assertEquals(List.of(low), new ArrayList<>(replay(blobs.get(1).data()).values()));
    }

    @Test
    void aTypicalRecordTakesAboutTenBytes() {
        List<LiveRow> rows = new ArrayList<>();
        long start = 1_700_000_000_000_000L;
        for (int i = 0; i < 10_000; i++) {
            rows.add(new LiveRow("BUFFER", 0, (1234L << 32) | i, i % 2 == 0 ? "DRAM" : "L1", 4096L * (1 + i % 7), 1,
                    OWNER, start + i * 3L));
        }
        byte[] blob = LiveSetCodec.encodeAll(rows, rows.size()).get(0).data();
        assertEquals(rows, new ArrayList<>(replay(blob).values()));
        double perRecord = blob.length / (double) rows.size();
        assertEquals(true, perRecord < 12, "bytes per record: " + perRecord);
    }

    private static Map<LiveKeyRow, LiveRow> replay(byte[] blob) {
        return LiveSegments.replay(blob, OWNER);
    }
}
