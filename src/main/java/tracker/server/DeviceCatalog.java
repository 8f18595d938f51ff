package tracker.server;

import tracker.device.DeviceCapacities;
import tracker.device.DeviceCapacity;
import tracker.device.Memory;
import tracker.wire.DeviceInfo;

/**
 * The answers to DEVICE_INFO_QUERY, from the same capacities {@code dump} and {@code stats}
 * show (a {@code --device-info} file, else sysfs, else unavailable). Immutable; thread-safe.
 */
final class DeviceCatalog implements GroupCapacities {

    /** dram_size_per_channel is a u32 on the wire: a 4 GiB channel (Blackhole) is sent as its largest value */
    private static final long MAX_U32 = 0xFFFF_FFFFL;

    private final DeviceCapacities capacities;

    DeviceCatalog(DeviceCapacities capacities) {
        this.capacities = capacities;
    }

    static DeviceCatalog empty() {
        return new DeviceCatalog(DeviceCapacities.none());
    }

    /** The answer for device -1: how many devices there are. */
    DeviceInfo summary(int devicesSeen) {
        int count = Math.max(devicesSeen, capacities.size());
        return new DeviceInfo(0, 0, 0, 0, 0, 0, count > 0, count);
    }

    DeviceInfo infoOf(int deviceId, int devicesSeen) {
        DeviceCapacity known = capacities.of(deviceId).orElse(null);
        if (known == null) {
            return DeviceInfo.unavailable(devicesSeen);
        }
        return new DeviceInfo(known.dramBytes().orElse(0), known.l1Bytes().orElse(0), known.archType(),
                known.dramChannels(), (int) Math.min(MAX_U32, known.dramBytesPerChannel()), known.l1BytesPerCore(), true,
                Math.max(devicesSeen, capacities.size()));
    }

    /**
     * What {@code tracker top} draws a group's bar against: the memory its records occupy
     * ({@link Memory#holding}) on that device; unknown for system memory, kernels, or a device
     * of unknown size.
     */
    @Override
    public long capacityOf(int deviceId, String kind, String type) {
        return Memory.holding(kind, type).map(memory -> capacities.bytesOf(deviceId, memory))
                .filter(java.util.OptionalLong::isPresent).map(java.util.OptionalLong::getAsLong)
                .orElse(TopFigures.UNKNOWN);
    }
}
