package tracker.store;

import java.time.Instant;
import java.util.function.Consumer;
import tracker.wire.MessageType;

/**
 * The compact encoding of a window's events for one process, stored in
 * {@code event_chunks.data}. Each event is a head byte (low 4 bits: message type; bit 4:
 * unknown free; bit 5: client timestamp is 0, as in every FREE; bit 6: a free's size and
 * buffer type are those of the record it released; bit 7: a rank follows) then varints,
 * most of them deltas from the previous event of the chunk, which keeps a typical event near
 * 10 bytes:
 * <pre>
 *   Varints.zigzag(received_us - prev) | device_id | buffer_type (byte) | size
 *   Varints.zigzag(buffer_id - prev) | [Varints.zigzag(client_ts - prev nonzero client_ts)] | ref_count_after
 *   [rank]
 * </pre>
 * The rank orders events received in the same microsecond by different processes (whose
 * events are in different chunks): see {@link Builder#add}. It is 0, and not written, for
 * nearly every event.
 *
 * <p>Version 2 (the {@code encoding} column {@link StoredBlob#SEALED_V2}) added bits 6 and 7.
 * Chunks of version 1 ({@link StoredBlob#SEALED}) hold in a free's size and buffer type what
 * the client sent (nothing, in a FREE), and no ranks; bits 6 and 7 are never read in them, so
 * their frees read as not knowing the record, and their events as of rank 0. Builders are
 * not thread-safe; decoding is.
 */
public final class EventChunkCodec {

    /** The {@code encoding} of the chunks this version writes. */
    public static final int STORED_ENCODING = StoredBlob.SEALED_V2;
    /** Flag of {@link Builder#add}: a free of a record that was not live. */
    public static final int UNKNOWN_FREE = 0x10;
    private static final int NO_TIMESTAMP_FLAG = 0x20;
    /** Flag of {@link Builder#add}: the free's size and buffer type are those of the record it released. */
    public static final int FREED_RECORD = 0x40;
    private static final int RANKED_FLAG = 0x80;
    private static final int ADDED_FLAGS = UNKNOWN_FREE | FREED_RECORD;
    /** The head bits a chunk of version 1 may hold: its writers set no other. */
    private static final int V1_HEAD_BITS = 0x3F;
    /** head + four 10-byte varlongs + three 5-byte varints + type byte */
    private static final int MAX_EVENT_BYTES = 1 + 4 * 10 + 3 * 5 + 1;

    private EventChunkCodec() {
    }

    /** Accumulates one chunk. */
    public static final class Builder {
        private byte[] bytes = new byte[256];
        private int length;
        private int count;
        private long firstMicros;
        private long lastMicros;
        private long previousMicros;
        private long previousBufferId;
        private long previousTimestamp;

        /**
         * @param rank  where the event stands among the events received in the same
         *              microsecond: 0 for those of the first process to send in it, one more
         *              each time the sender changes within it. Readers order events that tie on
         *              time by it, so that frames of several processes read at once come out in
         *              the order they were sent (a chunk's own events keep theirs). Not negative.
         * @param flags {@link #UNKNOWN_FREE}, {@link #FREED_RECORD} or none (0)
         */
        public void add(long receivedMicros, int rank, int typeCode, int flags, int deviceId, int bufferType,
                        long size, long bufferId, long clientTimestamp, int refCountAfter) {
            if ((flags & ~ADDED_FLAGS) != 0 || (typeCode & ~0x0F) != 0 || rank < 0) {
                throw new IllegalArgumentException("type " + typeCode + " with flags 0x" + Integer.toHexString(flags)
                        + " and rank " + rank);
            }
            ensure(MAX_EVENT_BYTES);
            if (count == 0) {
                firstMicros = receivedMicros;
            }
            lastMicros = receivedMicros;
            count++;
            boolean noTimestamp = clientTimestamp == 0;
            bytes[length++] = (byte) (typeCode | flags | (noTimestamp ? NO_TIMESTAMP_FLAG : 0)
                    | (rank != 0 ? RANKED_FLAG : 0));
            putVarLong(Varints.zigzag(receivedMicros - previousMicros));
            putVarLong(deviceId & 0xFFFFFFFFL);
            bytes[length++] = (byte) bufferType;
            putVarLong(size);
            putVarLong(Varints.zigzag(bufferId - previousBufferId));
            if (!noTimestamp) {
                putVarLong(Varints.zigzag(clientTimestamp - previousTimestamp));
                previousTimestamp = clientTimestamp;
            }
            putVarLong(refCountAfter & 0xFFFFFFFFL);
            if (rank != 0) {
                putVarLong(rank);
            }
            previousMicros = receivedMicros;
            previousBufferId = bufferId;
        }

        public int count() {
            return count;
        }

        public int byteCount() {
            return length;
        }

        public long firstMicros() {
            return firstMicros;
        }

        public long lastMicros() {
            return lastMicros;
        }

        public byte[] toBytes() {
            return java.util.Arrays.copyOf(bytes, length);
        }

        private void putVarLong(long value) {
            length = Varints.put(bytes, length, value);
        }

        private void ensure(int extra) {
            if (length + extra > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
            }
        }
    }

    /**
     * Decodes a chunk, handing each event to {@code sink} in the order they were received.
     *
     * @param encoding the chunk's {@code encoding} column, which says its version
     */
    public static void decode(byte[] data, int encoding, long processId, Integer pid, Consumer<HistoryEvent> sink) {
        Cursor cursor = new Cursor(data, encoding);
        while (cursor.next()) {
            sink.accept(cursor.event(processId, pid));
        }
    }

    /**
     * Reads a chunk one event at a time without making an object per event: a reader that
     * merges many chunks keeps one cursor per open chunk and only the chunk's bytes. Not
     * thread-safe: one per reader.
     */
    public static final class Cursor {
        private final byte[] data;
        private final int[] position = {0};
        /** the head bits this chunk's version defines */
        private final int headBits;
        private int head;
        private long micros;
        private int deviceId;
        private int bufferType;
        private long size;
        private long bufferId;
        private long timestamp;
        private int refCount;
        private int rank;

        /**
         * @param encoding the chunk's {@code encoding} column, which says its version
         */
        public Cursor(byte[] data, int encoding) {
            this.data = data;
            this.headBits = encoding >= StoredBlob.SEALED_V2 ? 0xFF : V1_HEAD_BITS;
        }

        /** Moves to the next event; false (and nothing changed) at the end of the chunk. */
        public boolean next() {
            if (position[0] >= data.length) {
                return false;
            }
            head = data[position[0]++] & headBits;
            micros += Varints.unzigzag(Varints.get(data, position));
            deviceId = (int) Varints.get(data, position);
            bufferType = data[position[0]++] & 0xFF;
            size = Varints.get(data, position);
            bufferId += Varints.unzigzag(Varints.get(data, position));
            if ((head & NO_TIMESTAMP_FLAG) == 0) {
                timestamp += Varints.unzigzag(Varints.get(data, position));
            }
            refCount = (int) Varints.get(data, position);
            rank = (head & RANKED_FLAG) != 0 ? (int) Varints.get(data, position) : 0;
            return true;
        }

        public long receivedMicros() {
            return micros;
        }

        public int typeCode() {
            return head & 0x0F;
        }

        public int deviceId() {
            return deviceId;
        }

        public int bufferType() {
            return bufferType;
        }

        public long size() {
            return size;
        }

        public long bufferId() {
            return bufferId;
        }

        /** The client's timestamp, 0 when it sent none. */
        public long clientTimestamp() {
            return (head & NO_TIMESTAMP_FLAG) != 0 ? 0 : timestamp;
        }

        public int refCountAfter() {
            return refCount;
        }

        /** Its order among events received in the same microsecond (see {@link Builder#add}). */
        public int rank() {
            return rank;
        }

        public boolean unknownFree() {
            return (head & UNKNOWN_FREE) != 0;
        }

        /**
         * Whether size and buffer type are those of the record: always for an allocation; for a
         * free, when it released a live record and the chunk is of a version that keeps them.
         */
        public boolean recordKnown() {
            return (head & FREED_RECORD) != 0 || !releases(typeCode());
        }

        /** The current event as a record. */
        public HistoryEvent event(long processId, Integer pid) {
            return new HistoryEvent(processId, pid, Instant.EPOCH.plusNanos(micros * 1000), typeCode(), deviceId,
                    bufferType, size, bufferId, clientTimestamp(), refCount, unknownFree(), recordKnown());
        }
    }

    /** FREE, CB_FREE and KERNEL_UNLOAD: the messages that release a record. */
    private static boolean releases(int typeCode) {
        MessageType type = MessageType.ofCode(typeCode);
        return type != null && type.changesLiveSet() && !type.allocates();
    }
}
