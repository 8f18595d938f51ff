package tracker.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacities from a sysfs tree laid out like the tt-kmd driver's (no test machine has the
 * cards, so the tree is written here) and from --device-info files.
 */
class DeviceCapacitiesTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path directory;

    /** Writes {@code class/tenstorrent/tenstorrent!<n>/tt_card_type} as the driver shows it (a newline after). */
    private Path sysfs(String... cardTypes) throws Exception {
        Path root = directory.resolve("sys");
        for (int n = 0; n < cardTypes.length; n++) {
            Path device = Files.createDirectories(root.resolve("class/tenstorrent/tenstorrent!" + n));
            if (cardTypes[n] != null) {
                Files.writeString(device.resolve("tt_card_type"), cardTypes[n] + "\n");
            }
        }
        return root;
    }

    @Test
    void mapsEachCardTypeToItsSizesAndPutsTheSecondChipOfAnN300AfterEveryPcieDevice() throws Exception {
        DeviceCapacities capacities = DeviceCapacities.load(null, sysfs("n300", "p150a", null, "n150"));

        assertEquals(OptionalLong.of(12 * GIB), capacities.dramBytes(0), "n300, its PCIe chip");
        assertEquals(OptionalLong.of(64L * 1_499_136), capacities.l1Bytes(0));
        assertEquals(OptionalLong.of(32 * GIB), capacities.dramBytes(1), "p150a");
        assertEquals(OptionalLong.of(140L * 1_572_864), capacities.l1Bytes(1));
        assertEquals(OptionalLong.empty(), capacities.dramBytes(2), "no card type: unknown");
        assertEquals(OptionalLong.of(12 * GIB), capacities.dramBytes(3), "n150");
        assertEquals(OptionalLong.of(72L * 1_499_136), capacities.l1Bytes(3));
        assertEquals(OptionalLong.of(12 * GIB), capacities.dramBytes(4), "the n300's remote chip comes last");
        assertEquals("sysfs:n300", capacities.of(4).orElseThrow().source());
        assertEquals(List.of(0, 1, 3, 4), capacities.all().stream().map(DeviceCapacity::deviceId).toList());
        assertEquals(3, capacities.of(1).orElseThrow().archType(), "blackhole");
    }

    @Test
    void knowsNothingWithoutTheDriverOrOfAnUnknownCardType() throws Exception {
        assertEquals(0, DeviceCapacities.load(null, directory.resolve("no-such-sys")).size());
        DeviceCapacities odd = DeviceCapacities.load(null, sysfs("galaxy", "x".repeat(500)));
        assertEquals(0, odd.size());
        assertTrue(odd.describe().contains("none known"), odd.describe());
    }

    @Test
    void aDeviceInfoFileOverridesTheDevicesItListsAndSysfsGivesTheOthers() throws Exception {
        Path file = directory.resolve("devices.txt");
        Files.writeString(file, """
                # id, arch, total_dram, total_l1, dram_channels, dram_per_channel, l1_per_core
                1, blackhole, 1000, 200, 8, 125, 25
                """);
        DeviceCapacities capacities = DeviceCapacities.load(file, sysfs("n150", "p150a"));

        assertEquals(OptionalLong.of(12 * GIB), capacities.dramBytes(0));
        assertEquals(OptionalLong.of(1000), capacities.dramBytes(1));
        assertEquals(OptionalLong.of(200), capacities.bytesOf(1, Memory.L1));
        assertEquals("device-info", capacities.of(1).orElseThrow().source());
        assertEquals("device sizes: 0 (sysfs:n150), 1 (device-info)", capacities.describe());
    }

    @Test
    void refusesABadDeviceInfoLineNamingIt() throws Exception {
        Path file = directory.resolve("devices.txt");
        Files.writeString(file, "0, wormhole_b0, 12\n");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeviceCapacities.load(file, directory));
        assertTrue(error.getMessage().endsWith("devices.txt:1: expected 7 comma-separated fields"), error.getMessage());
    }

    @Test
    void countsDramAndTraceBuffersAgainstDramAndL1BuffersAndCircularBuffersAgainstL1() {
        assertEquals(Memory.DRAM, Memory.holding("BUFFER", "TRACE").orElseThrow());
        assertEquals(Memory.L1, Memory.holding("BUFFER", "L1_SMALL").orElseThrow());
        assertEquals(Memory.L1, Memory.holding("CB", "L1").orElseThrow());
        assertTrue(Memory.holding("BUFFER", "SYSTEM_MEMORY").isEmpty());
        assertTrue(Memory.holding("KERNEL", "APPLICATION").isEmpty());
    }
}
