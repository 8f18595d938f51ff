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
        int[] position = {0};
        long micros = 0;
        long bufferId = 0;
        long timestamp = 0;
        while (position[0] < data.length) {
            int head = data[position[0]++] & 0xFF;
            micros += Varints.unzigzag(Varints.get(data, position));
            int deviceId = (int) Varints.get(data, position);
            int bufferType = data[position[0]++] & 0xFF;
            long size = Varints.get(data, position);
            bufferId += Varints.unzigzag(Varints.get(data, position));
            boolean noTimestamp = (head & NO_TIMESTAMP_FLAG) != 0;
            if (!noTimestamp) {
                timestamp += Varints.unzigzag(Varints.get(data, position));
            }
            int refCount = (int) Varints.get(data, position);
            sink.accept(new HistoryEvent(processId, pid, Instant.EPOCH.plusNanos(micros * 1000), head & 0x0F, deviceId,
                    bufferType, size, bufferId, noTimestamp ? 0 : timestamp, refCount,
                    (head & UNKNOWN_FREE_FLAG) != 0));
        }
    }
}
