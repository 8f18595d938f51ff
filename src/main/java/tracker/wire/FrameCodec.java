package tracker.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Encodes and decodes frames of the allocation-report protocol. Pure: no I/O, no state,
 * thread-safe.
 *
 * <p>Fixed-size packed little-endian structs, no header. Offsets in bytes:
 * <pre>
 *   0 type u8 | 1 pad[3] | 4 device_id i32 | 8 size u64 | 16 buffer_type u8 | 17 pad[3]
 *  20 process_id i32 | 24 buffer_id u64 | 32 timestamp u64
 *  40 dram_allocated u64 | 48 l1_allocated u64 | 56 l1_small_allocated u64 | 64 trace_allocated u64
 *  v1 ends at 72.
 *  v2: 72 total_dram_size u64 | 80 total_l1_size u64 | 88 arch_type u32 | 92 num_dram_channels u32
 *      96 dram_size_per_channel u32 | 100 l1_size_per_core u32 | 104 is_available u32 | 108 num_devices u32
 *      ends at 112.
 *  v3: 72 cb_allocated u64 | 80 kernel_allocated u64 | 88 total_dram_size u64 | 96 total_l1_size u64
 *      104 arch_type u32 | 108 num_dram_channels u32 | 112 dram_size_per_channel u32
 *      116 l1_size_per_core u32 | 120 is_available u32 | 124 num_devices u32
 *      128 ringbuffer_total_size u32 | 132 ringbuffer_used_bytes u32 | 136 ringbuffer_num_programs u32
 *      140 pad u32; ends at 144.
 * </pre>
 */
public final class FrameCodec {

    public static final int OFF_TYPE = 0;
    public static final int OFF_DEVICE = 4;
    public static final int OFF_SIZE = 8;
    public static final int OFF_BUFFER_TYPE = 16;
    public static final int OFF_PROCESS = 20;
    public static final int OFF_BUFFER_ID = 24;
    public static final int OFF_TIMESTAMP = 32;
    public static final int OFF_DRAM = 40;
    public static final int OFF_L1 = 48;
    public static final int OFF_L1_SMALL = 56;
    public static final int OFF_TRACE = 64;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private FrameCodec() {
    }

    /** Decodes the request fields of the frame that starts at {@code offset}. */
    public static Frame decode(byte[] bytes, int offset) {
        return new Frame(
                bytes[offset + OFF_TYPE] & 0xFF,
                getInt(bytes, offset + OFF_DEVICE),
                getLong(bytes, offset + OFF_SIZE),
                bytes[offset + OFF_BUFFER_TYPE] & 0xFF,
                getInt(bytes, offset + OFF_PROCESS),
                getLong(bytes, offset + OFF_BUFFER_ID),
                getLong(bytes, offset + OFF_TIMESTAMP));
    }

    /** Encodes a client request frame; used by tests and the bundled test clients. */
    public static byte[] encodeRequest(WireVersion version, Frame frame) {
        byte[] bytes = new byte[version.frameBytes()];
        bytes[OFF_TYPE] = (byte) frame.typeCode();
        putInt(bytes, OFF_DEVICE, frame.deviceId());
        putLong(bytes, OFF_SIZE, frame.size());
        bytes[OFF_BUFFER_TYPE] = (byte) frame.bufferType();
        putInt(bytes, OFF_PROCESS, frame.processId());
        putLong(bytes, OFF_BUFFER_ID, frame.bufferId());
        putLong(bytes, OFF_TIMESTAMP, frame.timestamp());
        return bytes;
    }

    /**
     * A RESPONSE to QUERY: the device's live bytes per memory kind; v3 frames also carry
     * circular-buffer and kernel bytes.
     */
    public static byte[] encodeQueryResponse(WireVersion version, int deviceId, DeviceTotals totals) {
        byte[] bytes = new byte[version.frameBytes()];
        bytes[OFF_TYPE] = (byte) MessageType.RESPONSE.code();
        putInt(bytes, OFF_DEVICE, deviceId);
        putLong(bytes, OFF_DRAM, totals.dram());
        putLong(bytes, OFF_L1, totals.l1());
        putLong(bytes, OFF_L1_SMALL, totals.l1Small());
        putLong(bytes, OFF_TRACE, totals.trace());
        if (version == WireVersion.V3) {
            putLong(bytes, 72, totals.cb());
            putLong(bytes, 80, totals.kernel());
        }
        return bytes;
    }

    /**
     * A DEVICE_INFO_RESPONSE. v1 frames have no room for device information, so they carry
     * only the echoed type and device.
     */
    public static byte[] encodeDeviceInfoResponse(WireVersion version, int deviceId, DeviceInfo info) {
        byte[] bytes = new byte[version.frameBytes()];
        bytes[OFF_TYPE] = (byte) MessageType.DEVICE_INFO_RESPONSE.code();
        putInt(bytes, OFF_DEVICE, deviceId);
        int base = switch (version) {
            case V1 -> -1;
            case V2 -> 72;
            case V3 -> 88;
        };
        if (base < 0) {
            return bytes;
        }
        putLong(bytes, base, info.totalDramBytes());
        putLong(bytes, base + 8, info.totalL1Bytes());
        putInt(bytes, base + 16, info.archType());
        putInt(bytes, base + 20, info.dramChannels());
        putInt(bytes, base + 24, info.dramBytesPerChannel());
        putInt(bytes, base + 28, info.l1BytesPerCore());
        putInt(bytes, base + 32, info.available() ? 1 : 0);
        putInt(bytes, base + 36, info.deviceCount());
        return bytes;
    }

    public static int getInt(byte[] bytes, int offset) {
        return (int) INT.get(bytes, offset);
    }

    public static long getLong(byte[] bytes, int offset) {
        return (long) LONG.get(bytes, offset);
    }

    public static void putInt(byte[] bytes, int offset, int value) {
        INT.set(bytes, offset, value);
    }

    public static void putLong(byte[] bytes, int offset, long value) {
        LONG.set(bytes, offset, value);
    }
}
