package tracker.wire;

/**
 * Recognises a client that speaks a shorter frame than the server expects: then a frame
 * read at the server's size holds the start of the client's next frame at offset 72 or
 * 112, with the same process id. A real frame of the right size has zeros there (reply
 * fields), so this never fires on a well-framed stream.
 */
public final class VersionSniffer {

    /** values() clones its array on every call; this runs once per frame, so keep one copy. */
    private static final WireVersion[] VERSIONS = WireVersion.values();

    private VersionSniffer() {
    }

    /**
     * The shorter version the frame at {@code offset} appears to be made of, or null.
     *
     * @param expected the server's configured version
     */
    public static WireVersion shorterVersionIn(byte[] bytes, int offset, WireVersion expected) {
        int pid = FrameCodec.getInt(bytes, offset + FrameCodec.OFF_PROCESS);
        if (pid == 0) {
            return null;
        }
        for (WireVersion candidate : VERSIONS) {
            int start = candidate.frameBytes();
            if (start >= expected.frameBytes() || start + FrameCodec.OFF_PROCESS + 4 > expected.frameBytes()) {
                continue;
            }
            int at = offset + start;
            MessageType type = MessageType.ofCode(bytes[at] & 0xFF);
            boolean padZero = bytes[at + 1] == 0 && bytes[at + 2] == 0 && bytes[at + 3] == 0;
            if (type != null && type.sentByClients() && padZero
                    && FrameCodec.getInt(bytes, at + FrameCodec.OFF_PROCESS) == pid) {
                return candidate;
            }
        }
        return null;
    }
}
