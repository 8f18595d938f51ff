package tracker.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact encoding of live records, stored in {@code live_segments.data} (a process's
 * live set, or the changes to it of one commit window) and {@code reap_holdings.data}
 * (what a reaped process held). An entry either puts a record (inserts it or replaces the
 * one with the same key) or deletes the record with its key:
 * <pre>
 *   head byte (bit 0: delete) | kind (string ref) | Varints.zigzag(device_id) | Varints.zigzag(buffer_id - prev)
 *   put only: type (string ref) | size | ref_count | Varints.zigzag(allocated_us - prev)
 * </pre>
 * A string ref is an index into the strings met so far in this blob; the index one past
 * them is followed by a new string (length, UTF-8). A record takes 8 to 12 bytes; one row
 * per record would cost H2 three B-tree updates, which is what made a reap of 100,000
 * records take seconds.
 *
 * <p>Writers are not thread-safe; decoding is.
 */
public final class LiveSetCodec {

    public static final int ENCODING_V1 = 1;
    private static final int DELETE_FLAG = 0x01;

    private LiveSetCodec() {
    }

    /** Receives decoded entries. */
    public interface Sink {
        void put(LiveRow row);

        void delete(LiveKeyRow key);
    }

    /** Accumulates entries for one blob. */
    public static final class Writer {
        private byte[] bytes = new byte[256];
        private int length;
        private int entries;
        private long previousBufferId;
        private long previousMicros;
        private final Map<String, Integer> strings = new HashMap<>();

        public void put(LiveRow row) {
            head(0, row.kind(), row.deviceId(), row.bufferId());
            putString(row.type());
            putVarLong(row.size());
            putVarLong(row.refCount() & 0xFFFFFFFFL);
            putVarLong(Varints.zigzag(row.allocatedAtMicros() - previousMicros));
            previousMicros = row.allocatedAtMicros();
        }

        public void delete(LiveKeyRow key) {
            head(DELETE_FLAG, key.kind(), key.deviceId(), key.bufferId());
        }

        public int entries() {
            return entries;
        }

        public byte[] toBytes() {
            return Arrays.copyOf(bytes, length);
        }

        private void head(int flags, String kind, int deviceId, long bufferId) {
            ensure(64);
            entries++;
            bytes[length++] = (byte) flags;
            putString(kind);
            putVarLong(Varints.zigzag(deviceId));
            putVarLong(Varints.zigzag(bufferId - previousBufferId));
            previousBufferId = bufferId;
        }

        private void putString(String text) {
            Integer index = strings.get(text);
            if (index != null) {
                putVarLong(index);
                return;
            }
            putVarLong(strings.size());
            strings.put(text, strings.size());
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            putVarLong(utf8.length);
            ensure(utf8.length + 16);
            System.arraycopy(utf8, 0, bytes, length, utf8.length);
            length += utf8.length;
        }

        private void putVarLong(long value) {
            ensure(Varints.MAX_BYTES);
            length = Varints.put(bytes, length, value);
        }

        private void ensure(int extra) {
            if (length + extra > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
            }
        }
    }

    /** An encoded blob and how many entries it holds. */
    public record Blob(int entries, byte[] data) {
    }

    /** Encodes puts of {@code rows}, at most {@code perBlob} to a blob. */
    public static List<Blob> encodeAll(List<LiveRow> rows, int perBlob) {
        List<Blob> blobs = new ArrayList<>();
        Writer writer = new Writer();
        for (LiveRow row : rows) {
            if (writer.entries() == perBlob) {
                blobs.add(new Blob(writer.entries(), writer.toBytes()));
                writer = new Writer();
            }
            writer.put(row);
        }
        if (writer.entries() > 0) {
            blobs.add(new Blob(writer.entries(), writer.toBytes()));
        }
        return blobs;
    }

    /** Decodes a blob; the rows get {@code processId} as their owner. */
    public static void decode(byte[] data, long processId, Sink sink) {
        int[] position = {0};
        List<String> strings = new ArrayList<>();
        long bufferId = 0;
        long micros = 0;
        while (position[0] < data.length) {
            int head = data[position[0]++] & 0xFF;
            String kind = getString(data, position, strings);
            int deviceId = (int) Varints.unzigzag(Varints.get(data, position));
            bufferId += Varints.unzigzag(Varints.get(data, position));
            if ((head & DELETE_FLAG) != 0) {
                sink.delete(new LiveKeyRow(kind, deviceId, bufferId));
                continue;
            }
            String type = getString(data, position, strings);
            long size = Varints.get(data, position);
            int refCount = (int) Varints.get(data, position);
            micros += Varints.unzigzag(Varints.get(data, position));
            sink.put(new LiveRow(kind, deviceId, bufferId, type, size, refCount, processId, micros));
        }
    }

    private static String getString(byte[] data, int[] position, List<String> strings) {
        int index = (int) Varints.get(data, position);
        if (index < strings.size()) {
            return strings.get(index);
        }
        int length = (int) Varints.get(data, position);
        String text = new String(data, position[0], length, StandardCharsets.UTF_8);
        position[0] += length;
        strings.add(text);
        return text;
    }
}
