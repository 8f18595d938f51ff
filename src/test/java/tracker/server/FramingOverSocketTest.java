package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tracker.testing.Await;
import tracker.testing.DaemonOutput;
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

/** Frames survive any way the byte stream is cut into writes, in every wire version. */
class FramingOverSocketTest {

    static final int PID = WireClient.SELF_PID;

    @TempDir
    Path directory;

    static Frame alloc(int device, long bufferId, long size, int memoryType) {
        return WireClient.frame(MessageType.ALLOC, device, size, memoryType, PID, bufferId);
    }

    @Test
    void eightThousandFramesInOneWriteLoseNothing() throws Exception {
        int frames = 8192;
        LiveModel model = new LiveModel();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < frames; i++) {
                // every fourth frame frees the buffer allocated just before it
                Frame frame = i % 4 == 3
                        ? WireClient.frame(MessageType.FREE, i % 8, 0, 0, PID, 0x1000L * (i - 1))
                        : alloc(i % 8, 0x1000L * i, 1 + i, i % 5);
                model.apply(frame);
                bytes.writeBytes(client.encode(frame));
            }
            assertEquals(frames * 144, bytes.size());
            client.sendRaw(bytes.toByteArray());
            for (int device = 0; device < 8; device++) {
                assertEquals(model.totals(device), LiveModel.totalsIn(client.query(device)), "device " + device);
            }
            Await.until(DaemonOutput.TIMEOUT, () -> daemon.daemon().metrics().framesReceived() == frames + 8,
                    "every frame counted");
            daemon.flush();
            assertEquals(model.rows(), LiveRows.set(daemon));
            assertEquals(frames, LiveRows.counter(daemon, "events"));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void frameSplitAtEveryByteBoundaryIntoTwoWritesLosesNothing(WireVersion version) throws Exception {
        Set<Row> expected = new HashSet<>();
        try (TestDaemon daemon = TestDaemon.start(directory, version);
             WireClient client = WireClient.connect(daemon.socket(), version)) {
            for (int split = 1; split < version.frameBytes(); split++) {
                byte[] frame = client.encode(alloc(0, 0x100L * split, split, 0));
                client.sendRaw(Arrays.copyOfRange(frame, 0, split));
                client.sendRaw(Arrays.copyOfRange(frame, split, frame.length));
                expected.add(new Row("BUFFER", 0, 0x100L * split, "DRAM", split, 1));
            }
            // a QUERY cut in two writes is answered too
            byte[] query = client.encode(new Frame(MessageType.QUERY.code(), 0, 0, 0, PID, 0, 0));
            client.sendRaw(Arrays.copyOfRange(query, 0, 37));
            client.sendRaw(Arrays.copyOfRange(query, 37, query.length));
            long total = expected.stream().mapToLong(Row::size).sum();
            assertEquals(total, FrameCodec.getLong(client.readFrame(), FrameCodec.OFF_DRAM));
            daemon.flush();
            assertEquals(expected, LiveRows.set(daemon));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }

    @Test
    void framesStraddlingWritesOfOddSizesLoseNothing() throws Exception {
        LiveModel model = new LiveModel();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < 2000; i++) {
                Frame frame = alloc(i % 3, 0x40L * i, 64 + i, i % 5);
                model.apply(frame);
                bytes.writeBytes(client.encode(frame));
            }
            byte[] stream = bytes.toByteArray();
            int[] sizes = {1, 7, 143, 145, 288, 1000, 4097, 65_537};
            int position = 0;
            for (int i = 0; position < stream.length; i++) {
                int end = Math.min(stream.length, position + sizes[i % sizes.length]);
                client.sendRaw(Arrays.copyOfRange(stream, position, end));
                position = end;
            }
            for (int device = 0; device < 3; device++) {
                assertEquals(model.totals(device), LiveModel.totalsIn(client.query(device)));
            }
            daemon.flush();
            assertEquals(model.rows(), LiveRows.set(daemon));
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void daemonOfEachWireVersionServesClientsOfThatFrameSize(WireVersion version) throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, version);
             WireClient client = WireClient.connect(daemon.socket(), version)) {
            client.send(alloc(0, 0x10, 100, 0), alloc(0, 0x20, 200, 1), alloc(0, 0x30, 300, 3),
                    alloc(0, 0x40, 400, 4), alloc(1, 0x10, 500, 0), alloc(0, 0x10, 100, 0),
                    WireClient.frame(MessageType.FREE, 0, 0, 0, PID, 0x20),
                    WireClient.frame(MessageType.CB_ALLOC, 0, 600, 0, PID, 0x50),
                    WireClient.frame(MessageType.KERNEL_LOAD, 0, 700, 0, PID, 0x60));
            byte[] reply = client.query(1);
            assertEquals(1, FrameCodec.getInt(reply, FrameCodec.OFF_DEVICE));
            assertEquals(LiveModel.visibleIn(version.frameBytes(), new DeviceTotals(500, 0, 0, 0, 0, 0)),
                    LiveModel.totalsIn(reply));
            reply = client.query(0);
            assertEquals(version.frameBytes(), reply.length);
            assertEquals(MessageType.RESPONSE.code(), reply[0]);
            assertEquals(LiveModel.visibleIn(version.frameBytes(), new DeviceTotals(100, 0, 300, 400, 600, 700)),
                    LiveModel.totalsIn(reply));
            for (int offset = version == WireVersion.V3 ? 88 : 72; offset < version.frameBytes(); offset++) {
                assertEquals(0, reply[offset], "byte " + offset + " of a " + version.label() + " RESPONSE");
            }
            byte[] info = client.deviceInfo(-1);
            assertEquals(version.frameBytes(), info.length);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), info[0]);
            assertEquals(-1, FrameCodec.getInt(info, FrameCodec.OFF_DEVICE));
            if (version != WireVersion.V1) {
                int numDevices = version == WireVersion.V2 ? 108 : 124;
                assertEquals(2, FrameCodec.getInt(info, numDevices), "num_devices");
            }
            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", 0, 0x10, "DRAM", 100, 2), new Row("BUFFER", 0, 0x30, "L1_SMALL", 300, 1),
                    new Row("BUFFER", 0, 0x40, "TRACE", 400, 1), new Row("BUFFER", 1, 0x10, "DRAM", 500, 1),
                    new Row("CB", 0, 0x50, "L1", 600, 1), new Row("KERNEL", 0, 0x60, "APPLICATION", 700, 1)),
                    LiveRows.set(daemon));
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }
}
