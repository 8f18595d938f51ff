package tracker.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import tracker.wire.DeviceInfo;

/**
 * What the daemon knows of each device for DEVICE_INFO_QUERY: nothing by default, or the
 * lines of a {@code --device-info} file:
 * <pre>
 * # device_id, arch, total_dram_bytes, total_l1_bytes, dram_channels, dram_bytes_per_channel, l1_bytes_per_core
 * 0, wormhole_b0, 12884901888, 110100480, 12, 1073741824, 1499136
 * </pre>
 * arch is a name (grayskull, wormhole_b0, blackhole, quasar) or the protocol's number.
 * Immutable after loading; thread-safe.
 */
final class DeviceCatalog implements GroupCapacities {

    private static final String[] ARCHS = {"invalid", "grayskull", "wormhole_b0", "blackhole", "quasar"};

    private final Map<Integer, DeviceInfo> devices;

    private DeviceCatalog(Map<Integer, DeviceInfo> devices) {
        this.devices = devices;
    }

    static DeviceCatalog empty() {
        return new DeviceCatalog(Map.of());
    }

    static DeviceCatalog load(Path file) throws IOException {
        Map<Integer, DeviceInfo> devices = new HashMap<>();
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
                devices.put(Integer.parseInt(fields[0]), new DeviceInfo(Long.parseLong(fields[2]),
                        Long.parseLong(fields[3]), arch(fields[1]), Integer.parseInt(fields[4]),
                        Integer.parseUnsignedInt(fields[5]), Integer.parseInt(fields[6]), true, 0));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": " + e.getMessage());
            }
        }
        return new DeviceCatalog(Map.copyOf(devices));
    }

    /** The answer for device -1: how many devices there are. */
    DeviceInfo summary(int devicesSeen) {
        int count = Math.max(devicesSeen, devices.size());
        return new DeviceInfo(0, 0, 0, 0, 0, 0, count > 0, count);
    }

    DeviceInfo infoOf(int deviceId, int devicesSeen) {
        DeviceInfo known = devices.get(deviceId);
        if (known == null) {
            return DeviceInfo.unavailable(devicesSeen);
        }
        return new DeviceInfo(known.totalDramBytes(), known.totalL1Bytes(), known.archType(), known.dramChannels(),
                known.dramBytesPerChannel(), known.l1BytesPerCore(), true, Math.max(devicesSeen, devices.size()));
    }

    /**
     * DRAM and TRACE buffers against the device's DRAM; L1 and L1_SMALL buffers and circular
     * buffers each against its whole L1, which they share; system memory, kernels, or a device
     * not in the file: unknown.
     */
    @Override
    public long capacityOf(int deviceId, String kind, String type) {
        DeviceInfo known = devices.get(deviceId);
        if (known == null) {
            return TopFigures.UNKNOWN;
        }
        if (kind.equals("BUFFER") && (type.equals("DRAM") || type.equals("TRACE"))) {
            return known.totalDramBytes() > 0 ? known.totalDramBytes() : TopFigures.UNKNOWN;
        }
        boolean l1 = kind.equals("CB") || kind.equals("BUFFER") && (type.equals("L1") || type.equals("L1_SMALL"));
        return l1 && known.totalL1Bytes() > 0 ? known.totalL1Bytes() : TopFigures.UNKNOWN;
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
