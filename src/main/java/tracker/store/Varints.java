package tracker.store;

/**
 * LEB128 varints and zigzag, shared by the blob encodings: small numbers (and small
 * differences, once zigzagged) take one or two bytes.
 */
final class Varints {

    /** The longest a varlong takes. */
    static final int MAX_BYTES = 10;

    private Varints() {
    }

    /** Writes {@code value} at {@code offset}, which must have {@link #MAX_BYTES} free; returns the new end. */
    static int put(byte[] bytes, int offset, long value) {
        while ((value & ~0x7FL) != 0) {
            bytes[offset++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes[offset++] = (byte) value;
        return offset;
    }

    /** Reads a varlong at {@code position[0]} and moves it past. */
    static long get(byte[] data, int[] position) {
        long value = 0;
        int shift = 0;
        while (true) {
            byte b = data[position[0]++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
            shift += 7;
        }
    }

    static long zigzag(long value) {
        return (value << 1) ^ (value >> 63);
    }

    static long unzigzag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }
}
