package tracker.wire;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static tracker.testing.HexBytes.concat;
import static tracker.testing.HexBytes.of;
import static tracker.testing.HexBytes.zeros;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tracker.testing.HexBytes;

/**
 * Frames written out byte by byte from the protocol's layout (little-endian, packed), decoded
 * and encoded by {@link FrameCodec}. Nothing here builds the expected bytes through the codec.
 */
class FrameCodecGoldenTest {

    /** The 40 request bytes (offsets 0..39) of one frame and the fields they carry. */
    record Golden(String name, byte[] requestBytes, Frame expected) {
    }

    static final List<Golden> GOLDEN = List.of(
            new Golden("ALLOC", of("01 000000 | 02000000 | 0000100000000000 | 03 000000 | 39300000"
                    + " | 7856341200000000 | F6E5D4C3B2A1F017"),
                    new Frame(1, 2, 0x100000L, 3, 12345, 0x12345678L, 0x17F0A1B2C3D4E5F6L)),
            new Golden("FREE", of("02 000000 | 02000000 | 0000000000000000 | 00 000000 | 39300000"
                    + " | 7856341200000000 | 0000000000000000"),
                    new Frame(2, 2, 0, 0, 12345, 0x12345678L, 0)),
            new Golden("QUERY", of("03 000000 | 07000000 | 0000000000000000 | 00 000000 | 39300000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(3, 7, 0, 0, 12345, 0, 0)),
            new Golden("RESPONSE", of("04 000000 | 07000000 | 0000000000000000 | 00 000000 | 00000000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(4, 7, 0, 0, 0, 0, 0)),
            new Golden("DUMP_REMAINING", of("05 000000 | 00000000 | 0000000000000000 | 00 000000 | 00000000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(5, 0, 0, 0, 0, 0, 0)),
            new Golden("DEVICE_INFO_QUERY", of("06 000000 | FFFFFFFF | 0000000000000000 | 00 000000 | 39300000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(6, -1, 0, 0, 12345, 0, 0)),
            new Golden("DEVICE_INFO_RESPONSE", of("07 000000 | 03000000 | 0000000000000000 | 00 000000 | 00000000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(7, 3, 0, 0, 0, 0, 0)),
            new Golden("CB_ALLOC", of("08 000000 | 01000000 | 0080000000000000 | 00 000000 | 40E20100"
                    + " | 0090010000000000 | 5C4B3A2F8C010000"),
                    new Frame(8, 1, 0x8000L, 0, 123456, 0x19000L, 0x18C2F3A4B5CL)),
            new Golden("CB_FREE", of("09 000000 | 01000000 | 0080000000000000 | 00 000000 | 40E20100"
                    + " | 0090010000000000 | 0000000000000000"),
                    new Frame(9, 1, 0x8000L, 0, 123456, 0x19000L, 0)),
            new Golden("KERNEL_LOAD", of("0A 000000 | FF030000 | 005A000000000000 | 02 000000 | FFFFFF7F"
                    + " | D0C5B4123A7F0000 | F7E5D4C3B2A1F017"),
                    new Frame(10, 1023, 0x5A00L, 2, Integer.MAX_VALUE, 0x7F3A12B4C5D0L, 0x17F0A1B2C3D4E5F7L)),
            new Golden("KERNEL_UNLOAD", of("0B 000000 | FF030000 | 005A000000000000 | 00 000000 | FFFFFF7F"
                    + " | D0C5B4123A7F0000 | 0000000000000000"),
                    new Frame(11, 1023, 0x5A00L, 0, Integer.MAX_VALUE, 0x7F3A12B4C5D0L, 0)),
            new Golden("DUMP_KERNELS", of("0C 000000 | 00000000 | 0000000000000000 | 00 000000 | 00000000"
                    + " | 0000000000000000 | 0000000000000000"),
                    new Frame(12, 0, 0, 0, 0, 0, 0)));

    /** A whole request frame of {@code version}: the request bytes, then zeroed reply fields. */
    static byte[] frameOf(WireVersion version, Golden golden) {
        return concat(golden.requestBytes(), zeros(version.frameBytes() - 40));
    }

    @Test
    void goldenTableCoversEveryMessageTypeWithFortyRequestBytes() {
        assertEquals(MessageType.values().length, GOLDEN.size());
        for (int i = 0; i < GOLDEN.size(); i++) {
            Golden golden = GOLDEN.get(i);
            assertEquals(40, golden.requestBytes().length, golden.name());
            assertEquals(MessageType.values()[i].name(), golden.name());
            assertEquals(MessageType.values()[i], golden.expected().type());
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void decodesGoldenFrameOfEveryMessageType(WireVersion version) {
        List<Executable> checks = new ArrayList<>();
        for (Golden golden : GOLDEN) {
            byte[] frame = frameOf(version, golden);
            checks.add(() -> assertEquals(golden.expected(), FrameCodec.decode(frame, 0), version + " " + golden.name()));
        }
        assertAll(checks);
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void decodesEachFrameOfAConcatenatedStreamAtItsOwnOffset(WireVersion version) {
        byte[][] frames = GOLDEN.stream().map(g -> frameOf(version, g)).toArray(byte[][]::new);
        byte[] stream = concat(frames);
        assertEquals(GOLDEN.size() * version.frameBytes(), stream.length);
        for (int i = 0; i < GOLDEN.size(); i++) {
            assertEquals(GOLDEN.get(i).expected(), FrameCodec.decode(stream, i * version.frameBytes()),
                    version + " frame " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void encodesRequestsToTheGoldenBytes(WireVersion version) {
        List<Executable> checks = new ArrayList<>();
        for (Golden golden : GOLDEN) {
            checks.add(() -> assertNull(HexBytes.firstDifference(frameOf(version, golden),
                    FrameCodec.encodeRequest(version, golden.expected())), version + " " + golden.name()));
        }
        assertAll(checks);
    }

    @Test
    void decodesUnsignedSixtyFourBitFieldsWithTheHighBitSet() {
        byte[] frame = concat(of("01 000000 | 00000000 | FFFFFFFFFFFFFFFF | 04 000000 | 01000000"
                + " | FEFFFFFFFFFFFFFF | 0000000000000080"), zeros(104));
        Frame decoded = FrameCodec.decode(frame, 0);
        assertEquals("18446744073709551615", Long.toUnsignedString(decoded.size()));
        assertEquals("18446744073709551614", Long.toUnsignedString(decoded.bufferId()));
        assertEquals("9223372036854775808", Long.toUnsignedString(decoded.timestamp()));
        assertEquals(MemoryType.TRACE, MemoryType.ofCode(decoded.bufferType()));
    }

    @Test
    void ignoresPadBytesAndReplyFieldsOfARequest() {
        byte[] frame = concat(of("01 ABCDEF | 02000000 | 0010000000000000 | 01 AABBCC | 39300000"
                + " | 0020000000000000 | 0100000000000000"), HexBytes.of("11".repeat(104)));
        assertEquals(new Frame(1, 2, 0x1000, 1, 12345, 0x2000, 1), FrameCodec.decode(frame, 0));
    }

    @Test
    void readsTypeAndBufferTypeAsUnsignedBytes() {
        byte[] frame = concat(of("FF 000000 | 00000000 | 0000000000000000 | FE 000000 | 01000000"
                + " | 0000000000000000 | 0000000000000000"), zeros(32));
        Frame decoded = FrameCodec.decode(frame, 0);
        assertEquals(255, decoded.typeCode());
        assertEquals(254, decoded.bufferType());
        assertNull(decoded.type());
    }

    // --- replies -------------------------------------------------------------------------

    static final DeviceTotals TOTALS = new DeviceTotals(0x0102030405060708L, 0x1112131415161718L,
            0x2122232425262728L, 0x3132333435363738L, 0x4142434445464748L, 0x5152535455565758L);

    /** RESPONSE for device 3: type, echoed device, then the four totals at 40, 48, 56, 64. */
    static final byte[] RESPONSE_V1 = concat(
            of("04 000000 | 03000000"), zeros(32),
            of("0807060504030201"),   // 40 dram_allocated
            of("1817161514131211"),   // 48 l1_allocated
            of("2827262524232221"),   // 56 l1_small_allocated
            of("3837363534333231"));  // 64 trace_allocated

    @Test
    void encodesV1ResponseWithTheFourTotals() {
        byte[] actual = FrameCodec.encodeQueryResponse(WireVersion.V1, 3, TOTALS);
        assertEquals(72, actual.length);
        assertNull(HexBytes.firstDifference(RESPONSE_V1, actual));
    }

    @Test
    void encodesV2ResponseWithZeroedDeviceInfoTail() {
        byte[] expected = concat(RESPONSE_V1, zeros(40));
        byte[] actual = FrameCodec.encodeQueryResponse(WireVersion.V2, 3, TOTALS);
        assertEquals(112, actual.length);
        assertNull(HexBytes.firstDifference(expected, actual));
    }

    @Test
    void encodesV3ResponseWithCbAndKernelBytesAt72And80() {
        byte[] expected = concat(RESPONSE_V1,
                of("4847464544434241"),   // 72 cb_allocated
                of("5857565554535251"),   // 80 kernel_allocated
                zeros(56));               // 88..143 device info and ring buffer fields
        byte[] actual = FrameCodec.encodeQueryResponse(WireVersion.V3, 3, TOTALS);
        assertEquals(144, actual.length);
        assertNull(HexBytes.firstDifference(expected, actual));
    }

    @Test
    void encodesResponseEchoingANegativeDevice() {
        byte[] actual = FrameCodec.encodeQueryResponse(WireVersion.V3, -1, DeviceTotals.EMPTY);
        assertNull(HexBytes.firstDifference(concat(of("04 000000 | FFFFFFFF"), zeros(136)), actual));
    }

    /** wormhole_b0-like: 12 GiB DRAM, 105 MiB L1, 12 channels of 1 GiB, 1,499,136 B L1 per core. */
    static final DeviceInfo INFO = new DeviceInfo(12_884_901_888L, 110_100_480L, 2, 12, 1_073_741_824, 1_499_136,
            true, 4);
    static final byte[] INFO_FIELDS = of(
            "0000000003000000"   // total_dram_size u64
            + " 0000900600000000"  // total_l1_size u64
            + " 02000000"          // arch_type u32
            + " 0C000000"          // num_dram_channels u32
            + " 00000040"          // dram_size_per_channel u32
            + " 00E01600"          // l1_size_per_core u32
            + " 01000000"          // is_available u32
            + " 04000000");        // num_devices u32

    @Test
    void encodesV2DeviceInfoResponseFieldsFromOffset72() {
        byte[] expected = concat(of("07 000000 | 00000000"), zeros(64), INFO_FIELDS);
        byte[] actual = FrameCodec.encodeDeviceInfoResponse(WireVersion.V2, 0, INFO);
        assertEquals(112, actual.length);
        assertNull(HexBytes.firstDifference(expected, actual));
    }

    @Test
    void encodesV3DeviceInfoResponseFieldsFromOffset88() {
        byte[] expected = concat(of("07 000000 | 00000000"), zeros(80), INFO_FIELDS,
                zeros(16)); // 128 ringbuffer_total_size, 132 used, 136 programs, 140 pad
        byte[] actual = FrameCodec.encodeDeviceInfoResponse(WireVersion.V3, 0, INFO);
        assertEquals(144, actual.length);
        assertNull(HexBytes.firstDifference(expected, actual));
    }

    @Test
    void encodesV3DeviceCountAnswerForDeviceMinusOne() {
        byte[] expected = concat(of("07 000000 | FFFFFFFF"), zeros(80), zeros(32),
                of("01000000"),   // 120 is_available
                of("05000000"),   // 124 num_devices
                zeros(16));
        byte[] actual = FrameCodec.encodeDeviceInfoResponse(WireVersion.V3, -1,
                new DeviceInfo(0, 0, 0, 0, 0, 0, true, 5));
        assertNull(HexBytes.firstDifference(expected, actual));
    }

    @Test
    void encodesV1DeviceInfoResponseAsTypeAndDeviceOnly() {
        byte[] expected = concat(of("07 000000 | 02000000"), zeros(64));
        byte[] actual = FrameCodec.encodeDeviceInfoResponse(WireVersion.V1, 2, INFO);
        assertEquals(72, actual.length);
        assertNull(HexBytes.firstDifference(expected, actual));
    }
}
