package tracker.cli;

import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import tracker.device.DeviceCapacities;
import tracker.device.DeviceCapacity;
import tracker.device.Memory;
import tracker.report.Bytes;
import tracker.report.Report;

/**
 * Live bytes per device and memory (DRAM, L1) set against each device's capacity, for the
 * devices whose capacity is known. Added to one record at a time; not thread-safe.
 */
final class CapacityUse {

    static final String[] COLUMNS = {"device_id", "memory", "used_bytes", "capacity_bytes", "percent"};

    private final DeviceCapacities capacities;
    private final Map<Integer, Map<Memory, Long>> used = new TreeMap<>();

    CapacityUse(DeviceCapacities capacities) {
        this.capacities = capacities;
    }

    void add(int deviceId, String kind, String type, long bytes) {
        Memory.holding(kind, type).ifPresent(memory -> used.computeIfAbsent(deviceId, d -> new EnumMap<>(Memory.class))
                .merge(memory, bytes, Long::sum));
    }

    /** One row per device and memory of known capacity, every known device listed, used or not. */
    Report report() {
        Report report = new Report(COLUMNS);
        for (DeviceCapacity device : capacities.all()) {
            for (Memory memory : Memory.values()) {
                OptionalLong capacity = device.bytesOf(memory);
                if (capacity.isPresent()) {
                    long bytes = usedOf(device.deviceId(), memory);
                    report.add(device.deviceId(), memory.name(), new Bytes(bytes), new Bytes(capacity.getAsLong()),
                            percent(bytes, capacity.getAsLong()));
                }
            }
        }
        return report;
    }

    /** For a table's device heading: " DRAM 1.50 MiB of 12.0 GiB (0.01%), L1 ...", or "" when no capacity is known. */
    String heading(int deviceId) {
        StringBuilder text = new StringBuilder();
        for (Memory memory : Memory.values()) {
            OptionalLong capacity = capacities.bytesOf(deviceId, memory);
            if (capacity.isPresent()) {
                long bytes = usedOf(deviceId, memory);
                text.append(text.length() == 0 ? " " : ", ").append(memory.name()).append(' ')
                        .append(Bytes.human(bytes)).append(" of ").append(Bytes.human(capacity.getAsLong()))
                        .append(" (").append(percent(bytes, capacity.getAsLong())).append("%)");
            }
        }
        return text.toString();
    }

    private long usedOf(int deviceId, Memory memory) {
        return used.getOrDefault(deviceId, Map.of()).getOrDefault(memory, 0L);
    }

    /** Two decimals: a few buffers on a 12 GiB device are a hundredth of a percent, not zero. */
    static double percent(long used, long capacity) {
        return capacity <= 0 ? 0 : Math.round(used * 10_000.0 / capacity) / 100.0;
    }
}
