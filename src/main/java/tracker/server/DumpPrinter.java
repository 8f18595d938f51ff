package tracker.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tracker.log.SeedFormat;
import tracker.wire.RecordKind;

/**
 * Renders DUMP_REMAINING and DUMP_KERNELS in the original server's format, so its users
 * recognise it. Stateless.
 */
final class DumpPrinter {

    /** Buffers of a device and kind are listed one by one only up to this many. */
    static final int LIST_LIMIT = 10;

    private static final String[] ORDER = {"DRAM", "L1", "SYSTEM_MEMORY", "L1_SMALL", "TRACE"};

    String buffers(Collection<LiveRecord> records) {
        List<LiveRecord> buffers = new ArrayList<>();
        for (LiveRecord record : records) {
            if (record.key.kind() == RecordKind.BUFFER) {
                buffers.add(record);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("\n╔════════════════════════════════════════════════════════╗\n");
        out.append("║           REMAINING ALLOCATED BUFFERS                  ║\n");
        out.append("╚════════════════════════════════════════════════════════╝\n");
        out.append("Total tracked allocations: ").append(buffers.size()).append('\n');
        if (buffers.isEmpty()) {
            out.append("✓ No buffers remaining - perfect cleanup!\n");
            return out.toString();
        }
        Map<Integer, Map<String, List<LiveRecord>>> byDevice = new TreeMap<>();
        for (LiveRecord record : buffers) {
            byDevice.computeIfAbsent(record.key.deviceId(), d -> new TreeMap<>())
                    .computeIfAbsent(record.type, t -> new ArrayList<>()).add(record);
        }
        byDevice.forEach((device, byType) -> {
            out.append("\nDevice ").append(device).append(":\n");
            for (String type : ORDER) {
                List<LiveRecord> group = byType.get(type);
                if (group == null) {
                    continue;
                }
                long bytes = group.stream().mapToLong(r -> r.size).sum();
                out.append("  ").append(type).append(": ").append(group.size()).append(" buffers, ")
                        .append(SeedFormat.megabytes(bytes)).append(" total\n");
                if (group.size() <= LIST_LIMIT) {
                    group.sort(Comparator.comparingLong(r -> r.key.bufferId()));
                    for (LiveRecord record : group) {
                        out.append("    - Buffer ").append(SeedFormat.hex(record.key.bufferId())).append(": ")
                                .append(SeedFormat.kilobytes(record.size)).append(" (PID ")
                                .append(record.owner.displayPid()).append(", ref_count=").append(record.refCount)
                                .append(")\n");
                    }
                }
            }
        });
        return out.toString();
    }

    String kernels(Collection<LiveRecord> records) {
        Map<Integer, List<LiveRecord>> byDevice = new TreeMap<>();
        for (LiveRecord record : records) {
            if (record.key.kind() == RecordKind.KERNEL) {
                byDevice.computeIfAbsent(record.key.deviceId(), d -> new ArrayList<>()).add(record);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("\n╔════════════════════════════════════════════════════════╗\n");
        out.append("║           LOADED KERNELS                               ║\n");
        out.append("╚════════════════════════════════════════════════════════╝\n");
        if (byDevice.isEmpty()) {
            out.append("✓ No kernels loaded\n");
            return out.toString();
        }
        byDevice.forEach((device, kernels) -> {
            long bytes = kernels.stream().mapToLong(r -> r.size).sum();
            out.append("\nDevice ").append(device).append(": ").append(kernels.size()).append(" kernels, ")
                    .append(SeedFormat.megabytes(bytes)).append(" total\n");
            kernels.sort(Comparator.comparingLong(r -> r.key.bufferId()));
            for (LiveRecord kernel : kernels) {
                out.append("    - Kernel ").append(SeedFormat.hex(kernel.key.bufferId())).append(": ")
                        .append(SeedFormat.kilobytes(kernel.size)).append(" ").append(kernel.type)
                        .append(" (PID ").append(kernel.owner.displayPid()).append(", ref_count=")
                        .append(kernel.refCount).append(")\n");
            }
        });
        return out.toString();
    }
}
