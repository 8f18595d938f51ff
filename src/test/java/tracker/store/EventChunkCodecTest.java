package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventChunkCodecTest {

    /** What one {@link EventChunkCodec.Builder#add} call was given. */
    record Added(long receivedMicros, int typeCode, int deviceId, int bufferType, long size, long bufferId,
                 long clientTimestamp, int refCountAfter, boolean unknownFree) {

        HistoryEvent expected(long processId, Integer pid) {
            return new HistoryEvent(processId, pid, Instant.EPOCH.plusNanos(receivedMicros * 1000), typeCode, deviceId,
                    bufferType, size, bufferId, clientTimestamp, refCountAfter, unknownFree);
        }
    }

    static List<HistoryEvent> roundTrip(List<Added> events, long processId, Integer pid) {
        EventChunkCodec.Builder builder = new EventChunkCodec.Builder();
        for (Added e : events) {
            builder.add(e.receivedMicros(), e.typeCode(), e.deviceId(), e.bufferType(), e.size(), e.bufferId(),
                    e.clientTimestamp(), e.refCountAfter(), e.unknownFree());
        }
        assertEquals(events.size(), builder.count());
        if (!events.isEmpty()) {
            assertEquals(events.get(0).receivedMicros(), builder.firstMicros());
            assertEquals(events.get(events.size() - 1).receivedMicros(), builder.lastMicros());
        }
        byte[] data = builder.toBytes();
        assertEquals(builder.byteCount(), data.length);
        List<HistoryEvent> decoded = new ArrayList<>();
        EventChunkCodec.decode(data, processId, pid, decoded::add);
        return decoded;
    }

    static void assertRoundTrip(List<Added> events) {
        List<HistoryEvent> decoded = roundTrip(events, 42, 4242);
        assertEquals(events.size(), decoded.size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(events.get(i).expected(42, 4242), decoded.get(i), "event " + i + " of " + events.size());
        }
    }

    /** Events as the daemon records them: validated frames, receive times that may step back. */
    static List<Added> daemonLikeEvents(Random random, int count) {
        List<Added> events = new ArrayList<>();
        long micros = 1_700_000_000_000_000L + random.nextInt(1_000_000);
        int[] types = {1, 2, 8, 9, 10, 11};
        for (int i = 0; i < count; i++) {
            micros += random.nextInt(10) == 0 ? -random.nextInt(5_000_000) : random.nextInt(2_000); // clock steps back
            int type = types[random.nextInt(types.length)];
            boolean release = type == 2 || type == 9 || type == 11;
            long timestamp = switch (random.nextInt(4)) {
                case 0 -> 0;                                                   // FREE, or a client that sends none
                case 1 -> 1_700_000_000_000_000_000L + random.nextLong() % 1_000_000_000_000L; // ns (libstdc++)
                case 2 -> 1_700_000_000_000_000L + random.nextInt(1_000_000);  // us (libc++)
                default -> random.nextLong();                                  // whatever a client wrote
            };
            long bufferId = switch (random.nextInt(3)) {
                case 0 -> random.nextLong();                                   // huge u64 ids, top bit set too
                case 1 -> 0x7F00_0000_0000L + random.nextInt(1 << 20);         // program pointers
                default -> random.nextInt(1 << 30);                            // device addresses
            };
            events.add(new Added(micros, type, random.nextInt(1024), random.nextInt(5),
                    release ? random.nextLong() : 1 + (random.nextLong() & ((1L << 40) - 1)), bufferId,
                    release && random.nextBoolean() ? 0 : timestamp, random.nextInt(4),
                    release && random.nextInt(3) == 0));
        }
        return events;
    }

    @Test
    void decodesExactlyWhatWasAddedForRandomDaemonLikeEvents() {
        Random random = new Random(20240611);
        for (int round = 0; round < 50; round++) {
            assertRoundTrip(daemonLikeEvents(random, 1 + random.nextInt(2_000)));
        }
    }

    @Test
    void decodesZeroClientTimestampsWithoutDisturbingTheNonZeroSequence() {
        List<Added> events = List.of(
                new Added(100, 1, 0, 0, 4096, 0x1000, 5_000, 1, false),
                new Added(101, 2, 0, 0, 0, 0x1000, 0, 0, false),
                new Added(102, 1, 0, 0, 4096, 0x2000, 4_000, 1, false),   // timestamp steps back
                new Added(103, 2, 0, 0, 0, 0x9999, 0, 0, true),
                new Added(104, 1, 0, 0, 4096, 0x3000, 4_001, 1, false));
        assertRoundTrip(events);
    }

    @Test
    void decodesNegativeDeltasOfReceiveTimeAndBufferId() {
        List<Added> events = List.of(
                new Added(1_000_000, 1, 3, 1, 64, Long.MAX_VALUE, 9, 1, false),
                new Added(10, 1, 3, 1, 64, Long.MIN_VALUE, 8, 1, false),
                new Added(999_999, 1, 3, 1, 64, 0, 7, 1, false),
                new Added(5, 2, 3, 1, 0, -1L, 0, 0, false));
        assertRoundTrip(events);
    }

    @Test
    void decodesAnEmptyChunkToNothing() {
        assertEquals(List.of(), roundTrip(List.of(), 1, null));
    }

    @Test
    void keepsTheProcessIdAndAnUnresolvedPid() {
        List<HistoryEvent> decoded = roundTrip(List.of(new Added(7, 1, 0, 0, 1, 1, 1, 1, false)), 9, null);
        assertEquals(9, decoded.get(0).processId());
        assertEquals(null, decoded.get(0).pid());
    }

    @Test
    void decodesEveryFieldAtTheEdgesOfItsRange() {
        Random random = new Random(7);
        long micros = 1_700_000_000_000_000L;
        List<Added> events = new ArrayList<>();
        long[] u64 = {0, 1, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x8000_0000_0000_0001L};
        int[] i32 = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1023};
        for (int i = 0; i < 2_000; i++) {
            micros += random.nextBoolean() ? random.nextInt(1 << 20) : -random.nextInt(1 << 20);
            events.add(new Added(micros, 1 + random.nextInt(12), i32[random.nextInt(i32.length)], random.nextInt(256),
                    u64[random.nextInt(u64.length)], u64[random.nextInt(u64.length)],
                    random.nextInt(3) == 0 ? 0 : u64[1 + random.nextInt(u64.length - 1)],
                    i32[random.nextInt(i32.length)], random.nextBoolean()));
        }
        assertRoundTrip(events);
    }

    @Test
    void decodesWidestEventsAcrossClockJumpsOfDecades() {
        // every field at its widest varint: a receive time that jumps by decades (a clock set
        // right at boot), 64-bit deltas of size, buffer id and timestamp, device and ref count
        // of 5 bytes; enough of them to cross the builder's initial buffer several times
        List<Added> events = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            long micros = i % 2 == 0 ? 1_700_000_000_000_000L : 0;
            events.add(new Added(micros, 1, -1, 255, -1L, i % 2 == 0 ? Long.MIN_VALUE : 0,
                    i % 2 == 0 ? Long.MIN_VALUE : 1, -1, true));
        }
        assertRoundTrip(events);
    }
}
