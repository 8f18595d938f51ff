package tracker.wire;

/**
 * The three namespaces of live records. The same (device, address) may be a buffer and a
 * circular buffer at once: they are different records.
 */
public enum RecordKind {
    BUFFER,
    CB,
    KERNEL;

    public static RecordKind of(MessageType type) {
        return switch (type) {
            case ALLOC, FREE -> BUFFER;
            case CB_ALLOC, CB_FREE -> CB;
            case KERNEL_LOAD, KERNEL_UNLOAD -> KERNEL;
            default -> throw new IllegalArgumentException(type + " does not touch a record");
        };
    }
}
