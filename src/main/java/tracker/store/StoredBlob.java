package tracker.store;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * A blob as the database stores it (history chunks, live-set segments, reap holdings): the
 * codec's bytes followed by their CRC-32C, little-endian, with {@link #SEALED} in the row's
 * {@code encoding} column. Every read checks both, so a damaged page or a flipped bit is
 * named as damage instead of being decoded into records nobody wrote. Stateless.
 */
public final class StoredBlob {

    /** {@code encoding} of blobs written before checksums: rewritten sealed by migration V7. */
    public static final int UNSEALED = 1;
    /** {@code encoding} of a codec payload followed by its CRC-32C. */
    public static final int SEALED = 2;
    /**
     * {@code encoding} of a payload in the second version of its codec, followed by its CRC-32C:
     * history chunks since they keep what a free released (see {@link EventChunkCodec}).
     */
    public static final int SEALED_V2 = 3;

    private static final int CHECKSUM_BYTES = 4;

    private StoredBlob() {
    }

    /** The payload with its checksum appended, as stored. */
    public static byte[] seal(byte[] payload) {
        byte[] stored = Arrays.copyOf(payload, payload.length + CHECKSUM_BYTES);
        int checksum = checksum(payload, payload.length);
        for (int i = 0; i < CHECKSUM_BYTES; i++) {
            stored[payload.length + i] = (byte) (checksum >>> (8 * i));
        }
        return stored;
    }

    /**
     * The payload of a stored blob.
     *
     * @param name what the blob is, for the error ("history chunk 42"): made only on damage
     * @throws CorruptBlobException when the encoding is not one this version reads, or the
     *         checksum does not match
     */
    public static byte[] open(int encoding, byte[] stored, Supplier<String> name) {
        return open(encoding, SEALED, stored, name);
    }

    /**
     * The payload of a stored blob whose codec has had versions: {@link #SEALED} is its first,
     * and each later one up to {@code newest} is read too.
     *
     * @throws CorruptBlobException as {@link #open(int, byte[], Supplier)}
     */
    public static byte[] open(int encoding, int newest, byte[] stored, Supplier<String> name) {
        if (encoding < SEALED || encoding > newest) {
            throw new CorruptBlobException(name.get() + " has encoding " + encoding + ", which this version does not"
                    + " read (expected " + (newest == SEALED ? Integer.toString(SEALED) : SEALED + " to " + newest)
                    + ")");
        }
        if (stored == null || stored.length < CHECKSUM_BYTES) {
            throw new CorruptBlobException(name.get() + " is damaged: " + (stored == null ? "no data" : stored.length
                    + " bytes, too short to hold its checksum"));
        }
        int length = stored.length - CHECKSUM_BYTES;
        int expected = 0;
        for (int i = 0; i < CHECKSUM_BYTES; i++) {
            expected |= (stored[length + i] & 0xFF) << (8 * i);
        }
        if (checksum(stored, length) != expected) {
            throw new CorruptBlobException(name.get() + " is damaged: its checksum does not match its " + length
                    + " bytes");
        }
        return Arrays.copyOf(stored, length);
    }

    private static int checksum(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
