package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.testing.HexBytes.concat;
import static tracker.testing.HexBytes.of;
import static tracker.testing.HexBytes.zeros;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tracker.testing.DaemonOutput;
import tracker.testing.LiveRows;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * dump_remaining_buffers.py writes one 72-byte DUMP_REMAINING and closes: the daemon prints
 * the remaining buffers whatever frame size it expects.
 */
class LegacyTailTest {

    static final int PID = WireClient.SELF_PID;
    /** What dump_remaining_buffers.py sends: type 5, everything else zero. */
    static final byte[] DUMP_72 = concat(of("05 000000"), zeros(68));

    @TempDir
    Path directory;

    static Frame alloc(int device, long bufferId, long size, int memoryType) {
        return WireClient.frame(MessageType.ALLOC, device, size, memoryType, PID, bufferId);
    }

    static void sendAndClose(TestDaemon daemon, byte[] bytes) throws Exception {
        try (WireClient dumper = WireClient.connect(daemon.socket())) {
            dumper.sendRaw(bytes);
            dumper.shutdownOutput();
            assertEquals(0, dumper.readUntilClosed(), "no reply to DUMP_REMAINING");
        }
    }

    @ParameterizedTest
    @EnumSource(WireVersion.class)
    void lone72ByteDumpRequestPrintsTheRemainingBuffers(WireVersion version) throws Exception {
        assertEquals(72, DUMP_72.length);
        try (TestDaemon daemon = TestDaemon.start(directory, version);
             WireClient client = WireClient.connect(daemon.socket(), version)) {
            client.send(alloc(0, 0x1000, 4096, 0), alloc(0, 0x1000, 4096, 0), alloc(0, 0x2000, 1536, 1),
                    alloc(1, 0x3000, 10240, 3), WireClient.frame(MessageType.CB_ALLOC, 0, 2048, 0, PID, 0x4000));
            client.query(0); // applied before the dump request arrives

            sendAndClose(daemon, DUMP_72);
            String output = DaemonOutput.awaitContains(daemon, "Total tracked allocations: 3");
            assertTrue(output.contains("REMAINING ALLOCATED BUFFERS"), output);
            assertTrue(output.contains("    - Buffer 0x1000: 4.00 KB (PID " + PID + ", ref_count=2)\n"), output);
            assertTrue(output.contains("    - Buffer 0x2000: 1.50 KB (PID " + PID + ", ref_count=1)\n"), output);
            assertTrue(output.contains("    - Buffer 0x3000: 10.00 KB (PID " + PID + ", ref_count=1)\n"), output);
            assertFalse(output.contains("0x4000"), "a CB is not a buffer:\n" + output);
            assertEquals(0, daemon.daemon().metrics().malformedFrames(), output);
        }
    }

    @Test
    void dumpRequestWithNoBuffersPrintsPerfectCleanup() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            sendAndClose(daemon, DUMP_72);
            String output = DaemonOutput.awaitContains(daemon, "✓ No buffers remaining - perfect cleanup!");
            assertTrue(output.contains("REMAINING ALLOCATED BUFFERS"), output);
            assertTrue(output.contains("Total tracked allocations: 0"), output);
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }

    @Test
    void moreThanTenBuffersOfOneKindAreCountedNotListed() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            for (int i = 0; i < 11; i++) {
                client.send(alloc(0, 0x100000L + 0x1000L * i, 1024, 0)); // 11 DRAM: summarised
            }
            for (int i = 0; i < 10; i++) {
                client.send(alloc(0, 0x200L * (i + 1), 2048, 1)); // 10 L1: listed
            }
            client.query(0);
            sendAndClose(daemon, DUMP_72);
            String output = DaemonOutput.awaitContains(daemon, "Total tracked allocations: 21");
            assertEquals(10, output.lines().filter(l -> l.startsWith("    - Buffer 0x")).count(), output);
            assertEquals(10, output.lines().filter(l -> l.matches("    - Buffer 0x[0-9a-f]+: 2\\.00 KB \\(PID "
                    + PID + ", ref_count=1\\)")).count(), output);
            assertFalse(output.contains("0x100000"), output);
        }
    }

    @Test
    void lone112ByteDumpRequestIsHonouredByAV3Daemon() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(2, 0xabc000, 512, 4));
            client.query(2);
            sendAndClose(daemon, concat(of("05 000000"), zeros(108)));
            String output = DaemonOutput.awaitContains(daemon, "Total tracked allocations: 1");
            assertTrue(output.contains("    - Buffer 0xabc000: 0.50 KB (PID " + PID + ", ref_count=1)"), output);
        }
    }

    @Test
    void legacyAllocAtTheEndOfAStreamIsAppliedNotDropped() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            byte[] v3 = FrameCodec.encodeRequest(WireVersion.V3, alloc(0, 0x10, 100, 0));
            byte[] v1 = FrameCodec.encodeRequest(WireVersion.V1, alloc(0, 0x20, 200, 0));
            sendAndClose(daemon, concat(v3, v1));
            DaemonOutput.awaitContains(daemon, "72-byte legacy message");
            daemon.flush();
            assertEquals(2, LiveRows.all(daemon).size());
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
        }
    }
}
