package tracker.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCheckTest {

    static final int PID = 4242;
    static final long TIB = 1L << 40;

    static Frame frame(int type, int device, long size, int bufferType, int pid) {
        return new Frame(type, device, size, bufferType, pid, 0x1000, type == 2 ? 0 : 1);
    }

    static Frame frame(MessageType type, int device, long size, int bufferType, int pid) {
        return frame(type.code(), device, size, bufferType, pid);
    }

    static Frame alloc(int device, long size, int bufferType, int pid) {
        return frame(MessageType.ALLOC, device, size, bufferType, pid);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 13, 14, 100, 255})
    void rejectsFrameWithUnknownType(int type) {
        assertEquals(FrameCheck.Problem.UNKNOWN_TYPE, FrameCheck.check(frame(type, 0, 4096, 0, PID)));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 7})
    void rejectsReplyTypeSentByAClient(int type) {
        assertEquals(FrameCheck.Problem.SERVER_ONLY_TYPE, FrameCheck.check(frame(type, 0, 0, 0, PID)));
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 6, 127, 255})
    void rejectsAllocWithBufferTypeAboveTrace(int bufferType) {
        assertEquals(FrameCheck.Problem.BAD_BUFFER_TYPE, FrameCheck.check(alloc(0, 4096, bufferType, PID)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void acceptsAllocOfEveryMemoryKind(int bufferType) {
        assertNull(FrameCheck.check(alloc(0, 4096, bufferType, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "FREE", "QUERY", "CB_ALLOC", "CB_FREE", "KERNEL_LOAD",
            "KERNEL_UNLOAD"})
    void rejectsDeviceBelowZero(MessageType type) {
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(type, -1, 4096, 0, PID)));
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(type, -2, 4096, 0, PID)));
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(type, Integer.MIN_VALUE, 4096, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "FREE", "QUERY", "DEVICE_INFO_QUERY", "CB_ALLOC",
            "CB_FREE", "KERNEL_LOAD", "KERNEL_UNLOAD"})
    void rejectsDeviceAbove1023(MessageType type) {
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(type, 1024, 4096, 0, PID)));
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(type, Integer.MAX_VALUE, 4096, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "FREE", "QUERY", "DEVICE_INFO_QUERY", "CB_ALLOC",
            "CB_FREE", "KERNEL_LOAD", "KERNEL_UNLOAD"})
    void acceptsDevices0And1023(MessageType type) {
        assertNull(FrameCheck.check(frame(type, 0, 4096, 0, PID)));
        assertNull(FrameCheck.check(frame(type, 1023, 4096, 0, PID)));
    }

    @Test
    void acceptsDeviceInfoQueryForAllDevices() {
        assertNull(FrameCheck.check(frame(MessageType.DEVICE_INFO_QUERY, -1, 0, 0, PID)));
    }

    @Test
    void rejectsDeviceInfoQueryBelowMinusOne() {
        assertEquals(FrameCheck.Problem.BAD_DEVICE, FrameCheck.check(frame(MessageType.DEVICE_INFO_QUERY, -2, 0, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "CB_ALLOC", "KERNEL_LOAD"})
    void rejectsAllocationOfSizeZero(MessageType type) {
        assertEquals(FrameCheck.Problem.BAD_SIZE, FrameCheck.check(frame(type, 0, 0, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "CB_ALLOC", "KERNEL_LOAD"})
    void rejectsAllocationAboveOneTebibyte(MessageType type) {
        assertEquals(FrameCheck.Problem.BAD_SIZE, FrameCheck.check(frame(type, 0, TIB + 1, 0, PID)));
        // u64 on the wire: a size with the top bit set is huge, not negative
        assertEquals(FrameCheck.Problem.BAD_SIZE, FrameCheck.check(frame(type, 0, -1L, 0, PID)));
        assertEquals(FrameCheck.Problem.BAD_SIZE, FrameCheck.check(frame(type, 0, Long.MIN_VALUE, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "CB_ALLOC", "KERNEL_LOAD"})
    void acceptsAllocationOfExactlyOneTebibyteAndOfOneByte(MessageType type) {
        assertNull(FrameCheck.check(frame(type, 0, TIB, 0, PID)));
        assertNull(FrameCheck.check(frame(type, 0, 1, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"FREE", "CB_FREE", "KERNEL_UNLOAD"})
    void acceptsReleaseWithSizeZero(MessageType type) {
        assertNull(FrameCheck.check(frame(type, 0, 0, 0, PID)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"ALLOC", "FREE", "CB_ALLOC", "CB_FREE", "KERNEL_LOAD",
            "KERNEL_UNLOAD"})
    void rejectsNonPositiveProcessId(MessageType type) {
        assertEquals(FrameCheck.Problem.BAD_PROCESS, FrameCheck.check(frame(type, 0, 4096, 0, 0)));
        assertEquals(FrameCheck.Problem.BAD_PROCESS, FrameCheck.check(frame(type, 0, 4096, 0, -1)));
        assertEquals(FrameCheck.Problem.BAD_PROCESS, FrameCheck.check(frame(type, 0, 4096, 0, Integer.MIN_VALUE)));
    }

    @ParameterizedTest
    @EnumSource(value = MessageType.class, names = {"DUMP_REMAINING", "DUMP_KERNELS"})
    void acceptsDumpRequestsCarryingOnlyTheirType(MessageType type) {
        // dump_remaining_buffers.py sends the type and zeros
        assertNull(FrameCheck.check(frame(type, 0, 0, 0, 0)));
    }

    @Test
    void acceptsKernelLoadOfEveryKernelType() {
        for (KernelType kernelType : KernelType.values()) {
            assertNull(FrameCheck.check(frame(MessageType.KERNEL_LOAD, 0, 4096, kernelType.ordinal(), PID)));
        }
    }

    @Test
    void reportsTheTypeProblemBeforeAnyFieldProblem() {
        assertEquals(FrameCheck.Problem.UNKNOWN_TYPE, FrameCheck.check(frame(200, -5, 0, 99, 0)));
        assertEquals(FrameCheck.Problem.SERVER_ONLY_TYPE, FrameCheck.check(frame(4, -5, 0, 99, 0)));
    }
}
