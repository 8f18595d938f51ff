package tracker.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * How much DRAM and L1 each device has, per TT-Metal logical device id: from a
 * {@code --device-info} file where it lists the device, else from what the Tenstorrent kernel
 * driver exposes in sysfs (the card type, through a table of sizes per card type: see
 * {@link TenstorrentSysfs} and {@link CardSizes}), else unknown. Read once, when made;
 * immutable and thread-safe after that.
 *
 * <pre>
 * DeviceCapacities capacities = DeviceCapacities.load(deviceInfoFileOrNull);
 * OptionalLong dram = capacities.dramBytes(0);
 * </pre>
 */
public final class DeviceCapacities {

    /**
     * System property naming the sysfs root to read instead of {@code /sys}: tests give a
     * directory laid out like the driver's, since no test machine has the cards.
     */
    public static final String SYSFS_ROOT_PROPERTY = "tracker.sysfs.root";

    private static final DeviceCapacities NONE = new DeviceCapacities(Map.of());

    private final Map<Integer, DeviceCapacity> devices;

    private DeviceCapacities(Map<Integer, DeviceCapacity> devices) {
        this.devices = devices;
    }

    /** Nothing known of any device. */
    public static DeviceCapacities none() {
        return NONE;
    }

    /**
     * The devices of {@code deviceInfoFile} (may be null), and the others from sysfs under
     * {@link #sysfsRoot()}.
     *
     * @throws IllegalArgumentException when the file has a line that is not a device's sizes
     */
    public static DeviceCapacities load(Path deviceInfoFile) throws IOException {
        return load(deviceInfoFile, sysfsRoot());
    }

    /** As {@link #load(Path)}, reading sysfs under {@code sysRoot}. */
    public static DeviceCapacities load(Path deviceInfoFile, Path sysRoot) throws IOException {
        Map<Integer, DeviceCapacity> devices = new TreeMap<>(TenstorrentSysfs.capacities(sysRoot));
        if (deviceInfoFile != null) {
            devices.putAll(DeviceInfoFile.read(deviceInfoFile));
        }
        return new DeviceCapacities(Map.copyOf(devices));
    }

    /** {@code /sys}, or the directory the {@value #SYSFS_ROOT_PROPERTY} system property names. */
    public static Path sysfsRoot() {
        return Path.of(System.getProperty(SYSFS_ROOT_PROPERTY, "/sys"));
    }

    /** The sizes of {@code deviceId}, or empty when nothing is known of it. */
    public Optional<DeviceCapacity> of(int deviceId) {
        return Optional.ofNullable(devices.get(deviceId));
    }

    public OptionalLong dramBytes(int deviceId) {
        DeviceCapacity device = devices.get(deviceId);
        return device == null ? OptionalLong.empty() : device.dramBytes();
    }

    public OptionalLong l1Bytes(int deviceId) {
        DeviceCapacity device = devices.get(deviceId);
        return device == null ? OptionalLong.empty() : device.l1Bytes();
    }

    /** The capacity of {@code memory} on {@code deviceId}, when known. */
    public OptionalLong bytesOf(int deviceId, Memory memory) {
        return memory == Memory.DRAM ? dramBytes(deviceId) : l1Bytes(deviceId);
    }

    /** Every device something is known of, by id. */
    public List<DeviceCapacity> all() {
        return devices.values().stream().sorted(java.util.Comparator.comparingInt(DeviceCapacity::deviceId)).toList();
    }

    /** How many devices something is known of. */
    public int size() {
        return devices.size();
    }

    /** For the daemon's start line: "device sizes: 0 (sysfs:n300), 1 (sysfs:n300)", or that none are known. */
    public String describe() {
        if (devices.isEmpty()) {
            return "device sizes: none known (no --device-info, no card type in sysfs)";
        }
        StringBuilder text = new StringBuilder("device sizes:");
        for (DeviceCapacity device : all()) {
            text.append(text.length() > 13 ? ", " : " ").append(device.deviceId()).append(" (").append(device.source())
                    .append(')');
        }
        return text.toString();
    }
}
