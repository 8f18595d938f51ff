package tracker.wire;

/**
 * The rules a client frame must meet before it may change state. Pure and thread-safe.
 * A frame that breaks one is skipped and counted; it never reaches the ledger.
 */
public final class FrameCheck {

    /** Device ids are logical chip ids; nothing real has more than this. */
    public static final int MAX_DEVICE_ID = 1023;
    /** Larger than any device's memory: a size above it is a misframed or corrupt frame. */
    public static final long MAX_ALLOCATION_BYTES = 1L << 40;

    /** Why a frame was rejected. */
    public enum Problem {
        UNKNOWN_TYPE("unknown message type"),
        SERVER_ONLY_TYPE("reply type sent by a client"),
        BAD_DEVICE("device id out of range"),
        BAD_BUFFER_TYPE("buffer_type out of range"),
        BAD_SIZE("size 0 or above 1 TiB"),
        BAD_PROCESS("process id not positive");

        private final String description;

        Problem(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private FrameCheck() {
    }

    /** The rule {@code frame} breaks, or null when it is well-formed. */
    public static Problem check(Frame frame) {
        MessageType type = frame.type();
        if (type == null) {
            return Problem.UNKNOWN_TYPE;
        }
        if (!type.sentByClients()) {
            return Problem.SERVER_ONLY_TYPE;
        }
        switch (type) {
            case DUMP_REMAINING, DUMP_KERNELS:
                return null;
            case DEVICE_INFO_QUERY:
                return frame.deviceId() == -1 || validDevice(frame.deviceId()) ? null : Problem.BAD_DEVICE;
            case QUERY:
                return validDevice(frame.deviceId()) ? null : Problem.BAD_DEVICE;
            default:
                break;
        }
        if (!validDevice(frame.deviceId())) {
            return Problem.BAD_DEVICE;
        }
        if (frame.processId() <= 0) {
            return Problem.BAD_PROCESS;
        }
        if (type.allocates()) {
            if (frame.size() == 0 || Long.compareUnsigned(frame.size(), MAX_ALLOCATION_BYTES) > 0) {
                return Problem.BAD_SIZE;
            }
            if ((type == MessageType.ALLOC || type == MessageType.KERNEL_LOAD)
                    && frame.bufferType() > MemoryType.MAX_CODE) {
                return Problem.BAD_BUFFER_TYPE;
            }
        }
        return null;
    }

    private static boolean validDevice(int deviceId) {
        return deviceId >= 0 && deviceId <= MAX_DEVICE_ID;
    }
}
