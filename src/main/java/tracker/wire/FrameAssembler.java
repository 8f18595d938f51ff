package tracker.wire;

/**
 * Reassembles fixed-size frames from reads of any size: a read may end in the middle of a
 * frame, or carry thousands of them. Not thread-safe: one per connection.
 *
 * <p>Usage: write into {@link #buffer()} from {@link #writeOffset()}, call {@link #filled(int)},
 * consume whole frames with {@link #frameCount()} / {@link #frameOffset(int)}, then
 * {@link #consumed()} to keep the partial tail for the next read.
 */
public final class FrameAssembler {

    private final int frameBytes;
    private final byte[] buffer;
    private int length;

    public FrameAssembler(int frameBytes, int readBytes) {
        this.frameBytes = frameBytes;
        // whole frames plus room for one partial tail
        this.buffer = new byte[(readBytes / frameBytes + 1) * frameBytes];
    }

    public byte[] buffer() {
        return buffer;
    }

    public int writeOffset() {
        return length;
    }

    public int writableBytes() {
        return buffer.length - length;
    }

    public void filled(int bytes) {
        length += bytes;
    }

    public int frameCount() {
        return length / frameBytes;
    }

    public int frameOffset(int index) {
        return index * frameBytes;
    }

    /** Drops the whole frames just handled and moves the partial tail to the front. */
    public void consumed() {
        int whole = frameCount() * frameBytes;
        int tail = length - whole;
        if (tail > 0 && whole > 0) {
            System.arraycopy(buffer, whole, buffer, 0, tail);
        }
        length = tail;
    }

    /** Bytes of an incomplete frame held after {@link #consumed()}. */
    public int pendingBytes() {
        return length;
    }
}
