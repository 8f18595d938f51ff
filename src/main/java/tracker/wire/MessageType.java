package tracker.wire;

/** Message types of the allocation-report protocol, by their code on the wire. */
public enum MessageType {
    ALLOC(1, true),
    FREE(2, true),
    QUERY(3, true),
    RESPONSE(4, false),
    DUMP_REMAINING(5, true),
    DEVICE_INFO_QUERY(6, true),
    DEVICE_INFO_RESPONSE(7, false),
    CB_ALLOC(8, true),
    CB_FREE(9, true),
    KERNEL_LOAD(10, true),
    KERNEL_UNLOAD(11, true),
    DUMP_KERNELS(12, true);

    private static final MessageType[] BY_CODE = new MessageType[13];

    static {
        for (MessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final boolean sentByClients;

    MessageType(int code, boolean sentByClients) {
        this.code = code;
        this.sentByClients = sentByClients;
    }

    public int code() {
        return code;
    }

    /** False for the reply types, which only a server may send. */
    public boolean sentByClients() {
        return sentByClients;
    }

    /** The type with this wire code, or null when the code is unknown. */
    public static MessageType ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** True for the messages that add or remove a live record. */
    public boolean changesLiveSet() {
        return switch (this) {
            case ALLOC, FREE, CB_ALLOC, CB_FREE, KERNEL_LOAD, KERNEL_UNLOAD -> true;
            default -> false;
        };
    }

    /** True for the messages that create a record (or raise its reference count). */
    public boolean allocates() {
        return this == ALLOC || this == CB_ALLOC || this == KERNEL_LOAD;
    }
}
