package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tracker.testing.Await;
import tracker.testing.DaemonOutput;
import tracker.testing.ConfigVariants;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.DeviceTotals;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/** What the daemon does with well-formed frames, seen through replies and the committed database. */
class IngestSemanticsTest {

    static final int PID = WireClient.SELF_PID;
    static final int DRAM = 0;
    static final int L1 = 1;
    static final int SYSTEM_MEMORY = 2;
    static final int L1_SMALL = 3;
    static final int TRACE = 4;

    @TempDir
    Path directory;

    static Frame frame(MessageType type, int device, long size, int bufferType, long bufferId) {
        return WireClient.frame(type, device, size, bufferType, PID, bufferId);
    }

    static Frame alloc(int device, long bufferId, long size, int memoryType) {
        return frame(MessageType.ALLOC, device, size, memoryType, bufferId);
    }

    static Frame free(int device, long bufferId) {
        return frame(MessageType.FREE, device, 0, 0, bufferId);
    }

    static Frame typeOnly(MessageType type) {
        return new Frame(type.code(), 0, 0, 0, 0, 0, 0);
    }

    static DeviceTotals query(WireClient client, int device) throws Exception {
        byte[] reply = client.query(device);
        assertEquals(MessageType.RESPONSE.code(), reply[0], "reply type");
        assertEquals(device, FrameCodec.getInt(reply, FrameCodec.OFF_DEVICE), "echoed device");
        return LiveModel.totalsIn(reply);
    }

    @Test
    void acceptsEveryClientMessageType() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x1000, 4096, DRAM),
                    frame(MessageType.CB_ALLOC, 0, 2048, 0, 0x2000),
                    frame(MessageType.KERNEL_LOAD, 0, 1024, 1, 0x3000),
                    typeOnly(MessageType.DUMP_KERNELS),
                    typeOnly(MessageType.DUMP_REMAINING));
            assertEquals(new DeviceTotals(4096, 0, 0, 0, 2048, 1024), query(client, 0));
            byte[] info = client.deviceInfo(-1);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), info[0]);
            assertEquals(1, FrameCodec.getInt(info, 124), "num_devices");
            String output = daemon.output();
            assertTrue(output.contains("LOADED KERNELS"), output);
            assertTrue(output.contains("    - Kernel 0x3000: 1.00 KB FABRIC (PID " + PID + ", ref_count=1)"), output);
            assertTrue(output.contains("REMAINING ALLOCATED BUFFERS"), output);
            assertTrue(output.contains("    - Buffer 0x1000: 4.00 KB (PID " + PID + ", ref_count=1)"), output);

            client.send(free(0, 0x1000), frame(MessageType.CB_FREE, 0, 2048, 0, 0x2000),
                    frame(MessageType.KERNEL_UNLOAD, 0, 1024, 0, 0x3000));
            assertEquals(DeviceTotals.EMPTY, query(client, 0));
            Await.until(DaemonOutput.TIMEOUT, () -> daemon.daemon().metrics().framesReceived() == 11, "11 frames counted");
            daemon.flush();
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
            assertEquals(List.of(), LiveRows.all(daemon));
            assertEquals(6, LiveRows.counter(daemon, "events"));
            assertEquals(0, LiveRows.counter(daemon, "unknown_frees"));
        }
    }

    @Test
    void allocTwiceThenFreeOnceLeavesRefCountOne() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x1000, 4096, DRAM), alloc(0, 0x1000, 4096, DRAM), free(0, 0x1000));
            assertEquals(4096, query(client, 0).dram());
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 0, 0x1000, "DRAM", 4096, 1)), LiveRows.all(daemon));

            client.send(free(0, 0x1000));
            assertEquals(0, query(client, 0).dram());
            daemon.flush();
            assertEquals(List.of(), LiveRows.all(daemon));
        }
    }

    @Test
    void framesAlternatingBetweenTwoPidsOnOneConnectionEachBelongToTheirOwnPid() throws Exception {
        // a live process of this user (a child, as a forked client's would be): its pid is believed
        Process child = new ProcessBuilder("sleep", "60").start();
        int other = (int) child.pid();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.frame(MessageType.ALLOC, 0, 64, DRAM, PID, 0x1),
                    WireClient.frame(MessageType.ALLOC, 0, 64, DRAM, other, 0x2),
                    WireClient.frame(MessageType.ALLOC, 0, 64, DRAM, other, 0x3),
                    WireClient.frame(MessageType.ALLOC, 0, 64, DRAM, PID, 0x4),
                    WireClient.frame(MessageType.ALLOC, 0, 64, DRAM, other, 0x5));
            query(client, 0);
            daemon.flush();
            List<String> owners = daemon.daemon().database().jdbi().withHandle(h -> h.createQuery(
                            "SELECT a.buffer_id, p.reported_pid FROM allocations a JOIN processes p ON p.id = a.process_id"
                                    + " ORDER BY a.buffer_id")
                    .map((rs, ctx) -> rs.getLong(1) + ":" + rs.getInt(2))
                    .list());
            assertEquals(List.of("1:" + PID, "2:" + other, "3:" + other, "4:" + PID, "5:" + other), owners);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void refCountChangesInLaterCommitWindowsReachTheDatabase() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(1, 0x40, 64, L1));
            query(client, 1);
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 1, 0x40, "L1", 64, 1)), LiveRows.all(daemon));
            client.send(alloc(1, 0x40, 64, L1), alloc(1, 0x40, 64, L1));
            query(client, 1);
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 1, 0x40, "L1", 64, 3)), LiveRows.all(daemon));
            client.send(free(1, 0x40));
            query(client, 1);
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 1, 0x40, "L1", 64, 2)), LiveRows.all(daemon));
            client.send(free(1, 0x40), free(1, 0x40));
            assertEquals(DeviceTotals.EMPTY, query(client, 1));
            daemon.flush();
            assertEquals(List.of(), LiveRows.all(daemon));
        }
    }

    @Test
    void freeOfUnknownBufferIsCountedNotAnError() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x1000, 4096, DRAM), free(0, 0xdead), free(0, 0xdead),
                    frame(MessageType.CB_FREE, 0, 32, 0, 0xbeef), frame(MessageType.KERNEL_UNLOAD, 0, 32, 0, 0xcafe),
                    free(1, 0x1000)); // same address, other device: unknown too
            assertEquals(4096, query(client, 0).dram()); // connection still served
            daemon.flush();
            assertEquals(5, LiveRows.counter(daemon, "unknown_frees"));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
            assertEquals(List.of(new Row("BUFFER", 0, 0x1000, "DRAM", 4096, 1)), LiveRows.all(daemon));
            assertFalse(daemon.output().contains("malformed"), daemon.output());
        }
    }

    @Test
    void sameBufferIdOnTwoDevicesIsTwoBuffers() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x1000, 4096, DRAM), alloc(1, 0x1000, 8192, DRAM));
            assertEquals(4096, query(client, 0).dram());
            assertEquals(8192, query(client, 1).dram());
            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", 0, 0x1000, "DRAM", 4096, 1),
                    new Row("BUFFER", 1, 0x1000, "DRAM", 8192, 1)), LiveRows.set(daemon));

            client.send(free(0, 0x1000));
            assertEquals(0, query(client, 0).dram());
            assertEquals(8192, query(client, 1).dram());
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 1, 0x1000, "DRAM", 8192, 1)), LiveRows.all(daemon));
        }
    }

    @Test
    void cbAndKernelRecordsAreSeparateNamespacesFromBuffers() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x5000, 100, L1), frame(MessageType.CB_ALLOC, 0, 200, 0, 0x5000),
                    frame(MessageType.KERNEL_LOAD, 0, 300, 2, 0x5000));
            assertEquals(new DeviceTotals(0, 100, 0, 0, 200, 300), query(client, 0));
            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", 0, 0x5000, "L1", 100, 1), new Row("CB", 0, 0x5000, "L1", 200, 1),
                    new Row("KERNEL", 0, 0x5000, "DISPATCH", 300, 1)), LiveRows.set(daemon));

            client.send(free(0, 0x5000));
            assertEquals(new DeviceTotals(0, 0, 0, 0, 200, 300), query(client, 0));
            client.send(frame(MessageType.CB_FREE, 0, 200, 0, 0x5000));
            assertEquals(new DeviceTotals(0, 0, 0, 0, 0, 300), query(client, 0));
            // a buffer FREE never touches the kernel of the same address
            client.send(free(0, 0x5000));
            assertEquals(new DeviceTotals(0, 0, 0, 0, 0, 300), query(client, 0));
            daemon.flush();
            assertEquals(List.of(new Row("KERNEL", 0, 0x5000, "DISPATCH", 300, 1)), LiveRows.all(daemon));
            assertEquals(1, LiveRows.counter(daemon, "unknown_frees"));
        }
    }

    @Test
    void queryTotalsPerMemoryKindReflectEveryFrameSentBeforeIt() throws Exception {
        Random random = new Random(1234);
        LiveModel model = new LiveModel();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            for (int round = 0; round < 40; round++) {
                List<Frame> frames = new ArrayList<>();
                int count = 1 + random.nextInt(200);
                for (int i = 0; i < count; i++) {
                    frames.add(randomFrame(random));
                }
                model.applyAll(frames);
                int device = random.nextInt(4);
                if (round % 2 == 0) {
                    // the frames and the QUERY in one write: one read holds both
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    frames.forEach(f -> bytes.writeBytes(client.encode(f)));
                    bytes.writeBytes(client.encode(new Frame(MessageType.QUERY.code(), device, 0, 0, PID, 0, 0)));
                    client.sendRaw(bytes.toByteArray());
                    byte[] reply = client.readFrame();
                    assertEquals(device, FrameCodec.getInt(reply, FrameCodec.OFF_DEVICE));
                    assertEquals(model.totals(device), LiveModel.totalsIn(reply), "round " + round);
                } else {
                    client.send(frames.toArray(Frame[]::new));
                    for (int d = 0; d < 5; d++) {
                        assertEquals(model.totals(d), query(client, d), "round " + round + " device " + d);
                    }
                }
            }
            daemon.flush();
            assertEquals(model.rows(), LiveRows.set(daemon));
            assertEquals(model.unknownFrees(), LiveRows.counter(daemon, "unknown_frees"));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }

    /** Any state-changing frame on devices 0..3, over a small pool of addresses so keys repeat. */
    static Frame randomFrame(Random random) {
        int device = random.nextInt(4);
        long id = 0x1000L * (1 + random.nextInt(24));
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> alloc(device, id, 1 + random.nextInt(1 << 20), random.nextInt(5));
            case 3, 4, 5 -> free(device, id);
            case 6 -> frame(MessageType.CB_ALLOC, device, 1 + random.nextInt(1 << 16), 0, id);
            case 7 -> frame(MessageType.CB_FREE, device, 0, 0, id);
            case 8 -> frame(MessageType.KERNEL_LOAD, device, 1 + random.nextInt(1 << 16), random.nextInt(3), id);
            default -> frame(MessageType.KERNEL_UNLOAD, device, 0, 0, id);
        };
    }

    @Test
    void systemMemoryBuffersAreKeptButCountInNoQueryTotal() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x10, 10, DRAM), alloc(0, 0x20, 20, L1), alloc(0, 0x30, 30, SYSTEM_MEMORY),
                    alloc(0, 0x40, 40, L1_SMALL), alloc(0, 0x50, 50, TRACE));
            assertEquals(new DeviceTotals(10, 20, 40, 50, 0, 0), query(client, 0));
            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", 0, 0x10, "DRAM", 10, 1), new Row("BUFFER", 0, 0x20, "L1", 20, 1),
                    new Row("BUFFER", 0, 0x30, "SYSTEM_MEMORY", 30, 1), new Row("BUFFER", 0, 0x40, "L1_SMALL", 40, 1),
                    new Row("BUFFER", 0, 0x50, "TRACE", 50, 1)), LiveRows.set(daemon));
        }
    }

    @Test
    void deviceInfoQueryForAllDevicesGivesTheNumberOfDevicesSeen() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            byte[] none = client.deviceInfo(-1);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), none[0]);
            assertEquals(-1, FrameCodec.getInt(none, FrameCodec.OFF_DEVICE));
            assertEquals(0, FrameCodec.getInt(none, 124), "num_devices before any frame");
            assertEquals(0, FrameCodec.getInt(none, 120), "is_available before any frame");

            client.send(alloc(0, 0x10, 10, DRAM), alloc(2, 0x10, 10, DRAM), alloc(5, 0x10, 10, L1),
                    alloc(5, 0x20, 10, L1));
            byte[] three = client.deviceInfo(-1);
            assertEquals(3, FrameCodec.getInt(three, 124), "num_devices");
            assertEquals(1, FrameCodec.getInt(three, 120), "is_available");
        }
    }

    @Test
    void deviceInfoForADeviceIsUnavailableWithoutDeviceInfoFile() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(0, 0x10, 10, DRAM));
            byte[] reply = client.deviceInfo(0);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), reply[0]);
            assertEquals(0, FrameCodec.getInt(reply, FrameCodec.OFF_DEVICE));
            assertEquals(0, FrameCodec.getInt(reply, 120), "is_available");
            assertEquals(0, FrameCodec.getLong(reply, 88), "total_dram_size");
            assertEquals(0, FrameCodec.getLong(reply, 96), "total_l1_size");
        }
    }

    @ParameterizedTest
    @EnumSource(value = WireVersion.class, names = {"V2", "V3"})
    void deviceInfoForADeviceGivesTheSizesOfTheDeviceInfoFile(WireVersion version) throws Exception {
        Path file = directory.resolve("devices.txt");
        Files.writeString(file, """
                # id, arch, total_dram, total_l1, dram_channels, dram_per_channel, l1_per_core
                0, wormhole_b0, 12884901888, 110100480, 12, 1073741824, 1499136

                1, 3, 34359738368, 188743680, 8, 4294967295, 1572864
                """);
        int base = version == WireVersion.V3 ? 88 : 72;
        try (TestDaemon daemon = TestDaemon.start(ConfigVariants.withDeviceInfo(TestDaemon.config(directory, version), file));
             WireClient client = WireClient.connect(daemon.socket(), version)) {
            byte[] zero = client.deviceInfo(0);
            assertEquals(version.frameBytes(), zero.length);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), zero[0]);
            assertEquals(12_884_901_888L, FrameCodec.getLong(zero, base), "total_dram_size");
            assertEquals(110_100_480L, FrameCodec.getLong(zero, base + 8), "total_l1_size");
            assertEquals(2, FrameCodec.getInt(zero, base + 16), "arch_type wormhole_b0");
            assertEquals(12, FrameCodec.getInt(zero, base + 20), "num_dram_channels");
            assertEquals(1_073_741_824, FrameCodec.getInt(zero, base + 24), "dram_size_per_channel");
            assertEquals(1_499_136, FrameCodec.getInt(zero, base + 28), "l1_size_per_core");
            assertEquals(1, FrameCodec.getInt(zero, base + 32), "is_available");
            assertEquals(2, FrameCodec.getInt(zero, base + 36), "num_devices");

            byte[] one = client.deviceInfo(1);
            assertEquals(1, FrameCodec.getInt(one, FrameCodec.OFF_DEVICE));
            assertEquals(34_359_738_368L, FrameCodec.getLong(one, base));
            assertEquals(188_743_680L, FrameCodec.getLong(one, base + 8));
            assertEquals(3, FrameCodec.getInt(one, base + 16), "arch_type blackhole");
            assertEquals(8, FrameCodec.getInt(one, base + 20));
            assertEquals("4294967295", Integer.toUnsignedString(FrameCodec.getInt(one, base + 24)), "u32 per channel");
            assertEquals(1_572_864, FrameCodec.getInt(one, base + 28));
            assertEquals(1, FrameCodec.getInt(one, base + 32));

            byte[] unknown = client.deviceInfo(7);
            assertEquals(0, FrameCodec.getInt(unknown, base + 32), "is_available of a device not in the file");

            byte[] all = client.deviceInfo(-1);
            assertEquals(2, FrameCodec.getInt(all, base + 36), "num_devices");
            assertEquals(1, FrameCodec.getInt(all, base + 32), "is_available");
        }
    }
}
