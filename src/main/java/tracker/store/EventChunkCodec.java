package tracker.store;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * The compact encoding of a window's events for one process, stored in
 * {@code event_chunks.data}. Each event is a head byte (low 4 bits: message type; bit 4:
 * unknown free; bit 5: client timestamp is 0, as in every FREE) then varints, most of them
 * deltas from the previous event of the chunk, which keeps a typical event near 10 bytes:
 * <pre>
 *   Varints.zigzag(received_us - prev) | device_id | buffer_type (byte) | size
 *   Varints.zigzag(buffer_id - prev) | [Varints.zigzag(client_ts - prev nonzero client_ts)] | ref_count_after
 * </pre>
 * Builders are not thread-safe; decoding is.
 */
public final class EventChunkCodec {

    public static final int ENCODING_V1 = 1;
    private static final int UNKNOWN_FREE_FLAG = 0x10;
    private static final int NO_TIMESTAMP_FLAG = 0x20;
    /** head + four 10-byte varlongs + two 5-byte varints + type byte */
    private static final int MAX_EVENT_BYTES = 1 + 4 * 10 + 2 * 5 + 1;

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

        public void add(long receivedMicros, int typeCode, int deviceId, int bufferType, long size, long bufferId,
                        long clientTimestamp, int refCountAfter, boolean unknownFree) {
            ensure(MAX_EVENT_BYTES);
            if (count == 0) {
                firstMicros = receivedMicros;
            }
            lastMicros = receivedMicros;
            count++;
            boolean noTimestamp = clientTimestamp == 0;
            bytes[length++] = (byte) (typeCode | (unknownFree ? UNKNOWN_FREE_FLAG : 0)
                    | (noTimestamp ? NO_TIMESTAMP_FLAG : 0));
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

    /** Decodes a chunk, handing each event to {@code sink} in the order they were received. */
    public static void decode(byte[] data, long processId, Integer pid, Consumer<HistoryEvent> sink) {
        Cursor cursor = new Cursor(data);
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
        private int head;
        private long micros;
        private int deviceId;
        private int bufferType;
        private long size;
        private long bufferId;
        private long timestamp;
        private int refCount;

        public Cursor(byte[] data) {
            this.data = data;
        }

        /** Moves to the next event; false (and nothing changed) at the end of the chunk. */
        public boolean next() {
            if (position[0] >= data.length) {
                return false;
            }
            head = data[position[0]++] & 0xFF;
            micros += Varints.unzigzag(Varints.get(data, position));
            deviceId = (int) Varints.get(data, position);
            bufferType = data[position[0]++] & 0xFF;
            size = Varints.get(data, position);
            bufferId += Varints.unzigzag(Varints.get(data, position));
            if ((head & NO_TIMESTAMP_FLAG) == 0) {
                timestamp += Varints.unzigzag(Varints.get(data, position));
            }
            refCount = (int) Varints.get(data, position);
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

        public boolean unknownFree() {
            return (head & UNKNOWN_FREE_FLAG) != 0;
        }

        /** The current event as a record. */
        public HistoryEvent event(long processId, Integer pid) {
            return new HistoryEvent(processId, pid, Instant.EPOCH.plusNanos(micros * 1000), typeCode(), deviceId,
                    bufferType, size, bufferId, clientTimestamp(), refCount, unknownFree());
        }
    }
}
