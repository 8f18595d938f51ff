package tracker.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Reads a {@code --device-info} file, one line per device:
 * <pre>
 * # device_id, arch, total_dram_bytes, total_l1_bytes, dram_channels, dram_bytes_per_channel, l1_bytes_per_core
 * 0, wormhole_b0, 12884901888, 110100480, 12, 1073741824, 1499136
 * </pre>
 * arch is a name (grayskull, wormhole_b0, blackhole, quasar) or the protocol's number.
 */
final class DeviceInfoFile {

    private static final String[] ARCHS = {"invalid", "grayskull", "wormhole_b0", "blackhole", "quasar"};

    private DeviceInfoFile() {
    }

    /** @throws IllegalArgumentException naming the file and line of a line that is not as above */
    static Map<Integer, DeviceCapacity> read(Path file) throws IOException {
        Map<Integer, DeviceCapacity> devices = new TreeMap<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file)) {
            lineNumber++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] fields = text.split("\\s*,\\s*");
            if (fields.length != 7) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": expected 7 comma-separated fields");
            }
            try {
                int deviceId = Integer.parseInt(fields[0]);
                devices.put(deviceId, new DeviceCapacity(deviceId, arch(fields[1]),
                        OptionalLong.of(Long.parseLong(fields[2])), OptionalLong.of(Long.parseLong(fields[3])),
                        Integer.parseInt(fields[4]), Integer.toUnsignedLong(Integer.parseUnsignedInt(fields[5])),
                        Integer.parseInt(fields[6]), "device-info"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": " + e.getMessage());
            }
        }
        return devices;
    }

    private static int arch(String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i < ARCHS.length; i++) {
            if (ARCHS[i].equals(name)) {
                return i;
            }
        }
        return Integer.parseInt(text);
    }
}
