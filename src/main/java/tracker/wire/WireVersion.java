package tracker.wire;

import java.util.Locale;

/**
 * The three frame sizes that exist in the wild. Each is a byte-for-byte prefix of the next
 * for the first 72 bytes; see {@link FrameCodec} for the layout.
 */
public enum WireVersion {
    V1(72),
    V2(112),
    V3(144);

    /** values() clones its array on every call; ofFrameBytes runs on every read. */
    private static final WireVersion[] ALL = values();

    private final int frameBytes;

    WireVersion(int frameBytes) {
        this.frameBytes = frameBytes;
    }

    public int frameBytes() {
        return frameBytes;
    }

    /** The version whose frames are exactly {@code bytes} long, or null. */
    public static WireVersion ofFrameBytes(int bytes) {
        for (WireVersion version : ALL) {
            if (version.frameBytes == bytes) {
                return version;
            }
        }
        return null;
    }

    /** Parses {@code v1}, {@code v2} or {@code v3} (case-insensitive). */
    public static WireVersion parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown wire version '" + text + "' (expected v1, v2 or v3)");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
