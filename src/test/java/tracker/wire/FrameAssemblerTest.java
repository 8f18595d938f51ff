package tracker.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameAssemblerTest {

    static final int READ_BYTES = 64 * 1024;

    /** Distinct ALLOC frames: frame i has buffer id i and size i + 1. */
    static byte[] stream(WireVersion version, int frames) {
        byte[] bytes = new byte[frames * version.frameBytes()];
        for (int i = 0; i < frames; i++) {
            byte[] frame = FrameCodec.encodeRequest(version,
                    new Frame(MessageType.ALLOC.code(), i % 1024, i + 1, i % 5, 100 + i, i, 1_000_000L + i));
            System.arraycopy(frame, 0, bytes, i * version.frameBytes(), frame.length);
        }
        return bytes;
    }

    /** Feeds {@code bytes[from, to)} into the assembler and collects the whole frames it yields. */
    static void feed(FrameAssembler assembler, byte[] bytes, int from, int to, List<Frame> out) {
        int position = from;
        while (position < to) {
            int n = Math.min(to - position, assembler.writableBytes());
            System.arraycopy(bytes, position, assembler.buffer(), assembler.writeOffset(), n);
            assembler.filled(n);
            position += n;
            for (int i = 0; i < assembler.frameCount(); i++) {
                out.add(FrameCodec.decode(assembler.buffer(), assembler.frameOffset(i)));
            }
            assembler.consumed();
        }
    }

    static void assertFramesInOrder(int expectedCount, List<Frame> frames) {
        assertEquals(expectedCount, frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(i, frames.get(i).bufferId(), "frame " + i);
            assertEquals(i + 1, frames.get(i).size(), "frame " + i);
            assertEquals(100 + i, frames.get(i).processId(), "frame " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void reassemblesAStreamSplitAtEveryByteBoundary(WireVersion version) {
        int frames = 3;
        byte[] bytes = stream(version, frames);
        for (int split = 0; split <= bytes.length; split++) {
            FrameAssembler assembler = new FrameAssembler(version.frameBytes(), READ_BYTES);
            List<Frame> out = new ArrayList<>();
            feed(assembler, bytes, 0, split, out);
            assertEquals(split % version.frameBytes(), assembler.pendingBytes(), "split " + split);
            feed(assembler, bytes, split, bytes.length, out);
            assertEquals(0, assembler.pendingBytes(), "split " + split);
            assertFramesInOrder(frames, out);
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void reassemblesAStreamFedOneByteAtATime(WireVersion version) {
        byte[] bytes = stream(version, 5);
        FrameAssembler assembler = new FrameAssembler(version.frameBytes(), READ_BYTES);
        List<Frame> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            feed(assembler, bytes, i, i + 1, out);
        }
        assertFramesInOrder(5, out);
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void reassemblesAStreamReadInRandomSizes(WireVersion version) {
        int frames = 20_000;
        byte[] bytes = stream(version, frames);
        Random random = new Random(version.ordinal() * 31L + 7);
        for (int round = 0; round < 3; round++) {
            FrameAssembler assembler = new FrameAssembler(version.frameBytes(), READ_BYTES);
            List<Frame> out = new ArrayList<>();
            int position = 0;
            while (position < bytes.length) {
                int size = switch (random.nextInt(4)) {
                    case 0 -> 1 + random.nextInt(version.frameBytes() * 2);
                    case 1 -> 1 + random.nextInt(4096);
                    default -> 1 + random.nextInt(READ_BYTES + version.frameBytes());
                };
                int end = Math.min(bytes.length, position + size);
                feed(assembler, bytes, position, end, out);
                position = end;
            }
            assertEquals(0, assembler.pendingBytes());
            assertFramesInOrder(frames, out);
        }
    }
}
