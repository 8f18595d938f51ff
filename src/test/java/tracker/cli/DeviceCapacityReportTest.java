package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.device.DeviceCapacities;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;

/**
 * A daemon reading a fake sysfs (no test machine has the cards: the tree is laid out like the
 * tt-kmd driver's, with one n150) answers DEVICE_INFO_QUERY with its sizes, and dump and stats
 * set the live bytes against them.
 */
class DeviceCapacityReportTest {

    private static final long GIB = 1L << 30;
    private static final long N150_L1 = 72L * 1_499_136;

    @TempDir
    Path directory;

    @BeforeEach
    void fakeSysfs() throws Exception {
        Path device = Files.createDirectories(directory.resolve("sys/class/tenstorrent/tenstorrent!0"));
        Files.writeString(device.resolve("tt_card_type"), "n150\n");
        System.setProperty(DeviceCapacities.SYSFS_ROOT_PROPERTY, directory.resolve("sys").toString());
    }

    @AfterEach
    void realSysfs() {
        System.clearProperty(DeviceCapacities.SYSFS_ROOT_PROPERTY);
    }

    @Test
    void deviceInfoQueryDumpAndStatsGiveTheSizesTheDriverImplies() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory.resolve("d"));
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(0, 0x1000, 3 << 20, 0), WireClient.alloc(0, 0x2000, 1 << 20, 4),
                    WireClient.alloc(0, 0x3000, 1 << 20, 1), WireClient.alloc(0, 0x4000, 512, 2));
            byte[] info = client.deviceInfo(0);
            assertEquals(MessageType.DEVICE_INFO_RESPONSE.code(), info[0]);
            assertEquals(1, FrameCodec.getInt(info, 120), "is_available");
            assertEquals(12 * GIB, FrameCodec.getLong(info, 88), "total_dram_size");
            assertEquals(N150_L1, FrameCodec.getLong(info, 96), "total_l1_size");
            assertEquals(2, FrameCodec.getInt(info, 104), "arch: wormhole_b0");
            assertEquals(0, FrameCodec.getInt(client.deviceInfo(1), 120), "device 1 is unknown");
            assertTrue(daemon.output().contains("device sizes: 0 (sysfs:n150)"), daemon.output());
            daemon.flush();

            Cli.Result dump = Cli.throughDaemonOf(daemon, "dump");
            assertEquals(0, dump.exit(), dump.err());
            assertTrue(dump.out().contains("Device 0: DRAM 4.00 MiB of 12.0 GiB (0.03%), L1 1.00 MiB of 103 MiB (0.97%)"),
                    dump.out());

            Cli.Result json = Cli.throughDaemonOf(daemon, "stats", "--format", "json");
            assertEquals(0, json.exit(), json.err());
            String compact = json.out().replaceAll("\\s+", "");
            assertTrue(compact.contains("\"capacity\":[{\"device_id\":0,\"memory\":\"DRAM\",\"used_bytes\":" + (4 << 20)
                    + ",\"capacity_bytes\":" + 12 * GIB + ",\"percent\":0.03},{\"device_id\":0,\"memory\":\"L1\","
                    + "\"used_bytes\":" + (1 << 20) + ",\"capacity_bytes\":" + N150_L1 + ",\"percent\":0.97}]"), compact);

            Cli.Result csv = Cli.throughDaemonOf(daemon, "stats", "--format", "csv");
            assertTrue(csv.out().contains("capacity,used_bytes,0,,DRAM," + (4 << 20)), csv.out());
            assertTrue(csv.out().contains("capacity,capacity_bytes,0,,L1," + N150_L1), csv.out());

            Cli.Result table = Cli.throughDaemonOf(daemon, "stats");
            assertTrue(table.out().contains("Capacity:"), table.out());

            // the HTML report names the same sizes beside its charts
            Cli.Result report = Cli.throughDaemonOf(daemon, "report", "--html", "-");
            assertEquals(0, report.exit(), report.err());
            assertTrue(report.out().contains("<li class=\"capacity-note\">DRAM capacity 12.0 GiB (above this chart's scale)"),
                    report.out());
            assertTrue(report.out().contains("<li class=\"capacity-note\">L1 capacity 103 MiB"), report.out());
        }
    }

    @Test
    void statsFromTheFileReadTheSameSysfs() throws Exception {
        Path database;
        try (TestDaemon daemon = TestDaemon.start(directory.resolve("d"));
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(0, 0x1000, 6 * GIB / 1024, 0));
            client.query(0);
            daemon.flush();
            database = daemon.database();
        }
        Cli.Result json = Cli.onFile("stats", "--db", database.toString(), "--format", "json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().replaceAll("\\s+", "").contains("\"memory\":\"DRAM\",\"used_bytes\":" + 6 * GIB / 1024
                + ",\"capacity_bytes\":" + 12 * GIB + ",\"percent\":0.05"), json.out());
    }
}
