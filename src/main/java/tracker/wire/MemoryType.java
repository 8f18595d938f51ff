package tracker.wire;

/** TT-Metal's {@code BufferType}, the {@code buffer_type} byte of an ALLOC. */
public enum MemoryType {
    DRAM,
    L1,
    SYSTEM_MEMORY,
    L1_SMALL,
    TRACE;

    private static final MemoryType[] BY_CODE = values();

    /** The highest code a well-formed frame may carry. */
    public static final int MAX_CODE = BY_CODE.length - 1;

    public static MemoryType ofCode(int code) {
        return code >= 0 && code <= MAX_CODE ? BY_CODE[code] : null;
    }

    public int code() {
        return ordinal();
    }
}
