package tracker.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserPrincipal;

/**
 * One command-socket request as it arrives: int argc, then per argument int length and that
 * many UTF-8 bytes, all within {@link ControlLimits#maxRequestBytes()} (the buffer is never
 * larger, whatever the counts announce). Used by the selector thread only; not thread-safe.
 */
final class ControlRequest {

    enum State { INCOMPLETE, COMPLETE, TOO_LARGE }

    private final ByteBuffer bytes;
    private final int maxArgs;
    private final UserPrincipal peer;
    private final long deadlineNanos;
    private String[] args;

    ControlRequest(ControlLimits limits, UserPrincipal peer, long deadlineNanos) {
        this.bytes = ByteBuffer.allocate(limits.maxRequestBytes());
        this.maxArgs = limits.maxArgs();
        this.peer = peer;
        this.deadlineNanos = deadlineNanos;
    }

    /** Where the channel reads into; full means the request is too large. */
    ByteBuffer buffer() {
        return bytes;
    }

    UserPrincipal peer() {
        return peer;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /** The arguments, once {@link #state()} said COMPLETE. */
    String[] args() {
        return args;
    }

    /** Parses what has arrived so far. */
    State state() {
        int end = bytes.position();
        if (end < 4) {
            return bytes.hasRemaining() ? State.INCOMPLETE : State.TOO_LARGE;
        }
        int count = bytes.getInt(0);
        if (count < 0 || count > maxArgs) {
            return State.TOO_LARGE;
        }
        int at = 4;
        int[] starts = new int[count];
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            if (at + 4 > end) {
                return incompleteOrTooLarge();
            }
            int length = bytes.getInt(at);
            at += 4;
            if (length < 0 || length > bytes.capacity() - at) {
                return State.TOO_LARGE;
            }
            if (at + length > end) {
                return incompleteOrTooLarge();
            }
            starts[i] = at;
            lengths[i] = length;
            at += length;
        }
        args = new String[count];
        for (int i = 0; i < count; i++) {
            args[i] = new String(bytes.array(), starts[i], lengths[i], StandardCharsets.UTF_8);
        }
        return State.COMPLETE;
    }

    private State incompleteOrTooLarge() {
        return bytes.hasRemaining() ? State.INCOMPLETE : State.TOO_LARGE;
    }
}
