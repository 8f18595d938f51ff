package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventChunkCodecTest {

    private static final int UNKNOWN = EventChunkCodec.UNKNOWN_FREE;
    private static final int FREED = EventChunkCodec.FREED_RECORD;

    /** What one {@link EventChunkCodec.Builder#add} call was given. */
    record Added(long receivedMicros, int rank, int typeCode, int flags, int deviceId, int bufferType, long size,
                 long bufferId, long clientTimestamp, int refCountAfter) {

        /** An event alone in its microsecond, or of its first sender: rank 0. */
        Added(long receivedMicros, int typeCode, int flags, int deviceId, int bufferType, long size, long bufferId,
              long clientTimestamp, int refCountAfter) {
            this(receivedMicros, 0, typeCode, flags, deviceId, bufferType, size, bufferId, clientTimestamp,
                    refCountAfter);
        }

        HistoryEvent expected(long processId, Integer pid) {
            boolean releases = typeCode == 2 || typeCode == 9 || typeCode == 11;
            return new HistoryEvent(processId, pid, Instant.EPOCH.plusNanos(receivedMicros * 1000), typeCode, deviceId,
                    bufferType, size, bufferId, clientTimestamp, refCountAfter, (flags & UNKNOWN) != 0,
                    !releases || (flags & FREED) != 0);
        }
    }

    static List<HistoryEvent> roundTrip(List<Added> events, long processId, Integer pid) {
        EventChunkCodec.Builder builder = new EventChunkCodec.Builder();
        for (Added e : events) {
            builder.add(e.receivedMicros(), e.rank(), e.typeCode(), e.flags(), e.deviceId(), e.bufferType(),
                    e.size(), e.bufferId(), e.clientTimestamp(), e.refCountAfter());
        }
        assertEquals(events.size(), builder.count());
        if (!events.isEmpty()) {
            assertEquals(events.get(0).receivedMicros(), builder.firstMicros());
            assertEquals(events.get(events.size() - 1).receivedMicros(), builder.lastMicros());
        }
        byte[] data = builder.toBytes();
        assertEquals(builder.byteCount(), data.length);
        List<HistoryEvent> decoded = new ArrayList<>();
        EventChunkCodec.decode(data, EventChunkCodec.STORED_ENCODING, processId, pid, decoded::add);
        // the rank is for ordering, read off the cursor
        EventChunkCodec.Cursor cursor = new EventChunkCodec.Cursor(data, EventChunkCodec.STORED_ENCODING);
        for (int i = 0; cursor.next(); i++) {
            assertEquals(events.get(i).rank(), cursor.rank(), "rank of event " + i);
        }
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
            int flags = !release ? 0 : switch (random.nextInt(3)) {
                case 0 -> UNKNOWN;
                case 1 -> FREED;
                default -> 0;                                                   // another process's record
            };
            int rank = random.nextInt(3) > 0 ? 0 : random.nextInt(4) > 0 ? 1 + random.nextInt(5) : random.nextInt(1 << 20);
            events.add(new Added(micros, rank, type, flags, random.nextInt(1024), random.nextInt(5),
                    release ? random.nextLong() : 1 + (random.nextLong() & ((1L << 40) - 1)), bufferId,
                    release && random.nextBoolean() ? 0 : timestamp, random.nextInt(4)));
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
                new Added(100, 1, 0, 0, 0, 4096, 0x1000, 5_000, 1),
                new Added(101, 2, FREED, 0, 0, 4096, 0x1000, 0, 0),
                new Added(102, 1, 0, 0, 0, 4096, 0x2000, 4_000, 1),   // timestamp steps back
                new Added(103, 2, UNKNOWN, 0, 0, 0, 0x9999, 0, 0),
                new Added(104, 1, 0, 0, 0, 4096, 0x3000, 4_001, 1));
        assertRoundTrip(events);
    }

    @Test
    void decodesNegativeDeltasOfReceiveTimeAndBufferId() {
        List<Added> events = List.of(
                new Added(1_000_000, 1, 0, 3, 1, 64, Long.MAX_VALUE, 9, 1),
                new Added(10, 1, 0, 3, 1, 64, Long.MIN_VALUE, 8, 1),
                new Added(999_999, 1, 0, 3, 1, 64, 0, 7, 1),
                new Added(5, 2, FREED, 3, 1, 64, -1L, 0, 0));
        assertRoundTrip(events);
    }

    @Test
    void decodesAnEmptyChunkToNothing() {
        assertEquals(List.of(), roundTrip(List.of(), 1, null));
    }

    @Test
    void keepsTheProcessIdAndAnUnresolvedPid() {
        List<HistoryEvent> decoded = roundTrip(List.of(new Added(7, 1, 0, 0, 0, 1, 1, 1, 1)), 9, null);
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
            events.add(new Added(micros, 1 + random.nextInt(12), anyFlags(random),
                    i32[random.nextInt(i32.length)], random.nextInt(256), u64[random.nextInt(u64.length)],
                    u64[random.nextInt(u64.length)], random.nextInt(3) == 0 ? 0 : u64[1 + random.nextInt(u64.length - 1)],
                    i32[random.nextInt(i32.length)]));
        }
        assertRoundTrip(events);
    }

    /** Either flag, both or none. */
    private static int anyFlags(Random random) {
        return (random.nextBoolean() ? UNKNOWN : 0) | (random.nextBoolean() ? FREED : 0);
    }

    @Test
    void decodesWidestEventsAcrossClockJumpsOfDecades() {
        // every field at its widest varint: a receive time that jumps by decades (a clock set
        // right at boot), 64-bit deltas of size, buffer id and timestamp, device and ref count
        // and rank of 5 bytes; enough of them to cross the builder's initial buffer several times
        List<Added> events = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            long micros = i % 2 == 0 ? 1_700_000_000_000_000L : 0;
            events.add(new Added(micros, Integer.MAX_VALUE, 1, UNKNOWN | FREED, -1, 255, -1L,
                    i % 2 == 0 ? Long.MIN_VALUE : 0, i % 2 == 0 ? Long.MIN_VALUE : 1, -1));
        }
        assertRoundTrip(events);
    }

    @Test
    void aChunkOfTheFirstVersionNeverReadsAFreeAsKnowingItsRecord() {
        // version 1 defined no bit 6 (nor 7, nor ranks): whatever a free of such a chunk holds,
        // its record is not known
        EventChunkCodec.Builder builder = new EventChunkCodec.Builder();
        builder.add(100, 0, 1, 0, 0, 3, 512, 0x3000, 7, 1);
        builder.add(101, 0, 2, FREED, 0, 3, 512, 0x3000, 0, 0);
        builder.add(102, 0, 9, 0, 0, 0, 64, 0xc000, 0, 0);
        List<HistoryEvent> v1 = new ArrayList<>();
        EventChunkCodec.decode(builder.toBytes(), StoredBlob.SEALED, 1, 2, v1::add);
        assertEquals(List.of(true, false, false), v1.stream().map(HistoryEvent::recordKnown).toList());
        List<HistoryEvent> v2 = new ArrayList<>();
        EventChunkCodec.decode(builder.toBytes(), StoredBlob.SEALED_V2, 1, 2, v2::add);
        assertEquals(List.of(true, true, false), v2.stream().map(HistoryEvent::recordKnown).toList());
        // everything else reads the same in both versions
        for (int i = 0; i < 3; i++) {
            assertEquals(v2.get(i).size(), v1.get(i).size());
            assertEquals(v2.get(i).bufferId(), v1.get(i).bufferId());
            assertEquals(v2.get(i).clientTimestamp(), v1.get(i).clientTimestamp());
        }
    }

    @Test
    void refusesFlagsItDoesNotDefine() {
        EventChunkCodec.Builder builder = new EventChunkCodec.Builder();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> builder.add(1, 0, 2, 0x20, 0, 0, 0, 1, 0, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> builder.add(1, 0, 16, 0, 0, 0, 0, 1, 0, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> builder.add(1, -1, 1, 0, 0, 0, 1, 1, 0, 1));
        assertEquals(0, builder.count());
    }
}
