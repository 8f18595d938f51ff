package tracker.wire;

/**
 * The request fields of one decoded frame. {@code typeCode} is kept raw so that a frame
 * with an unknown type can still be reported; {@link #type()} is null for those.
 * {@code size}, {@code bufferId} and {@code timestamp} are unsigned 64-bit on the wire and
 * held in a long's bits.
 */
public record Frame(
        int typeCode,
        int deviceId,
        long size,
        int bufferType,
        int processId,
        long bufferId,
        long timestamp) {

    public MessageType type() {
        return MessageType.ofCode(typeCode);
    }
}
