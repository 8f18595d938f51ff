package tracker.report;

import java.util.OptionalLong;

/**
 * How much memory of a kind a device has, for the capacity lines of a chart: DRAM, or L1 (the
 * L1 of all worker cores together). Unknown is a normal answer: the chart then draws no line.
 */
@FunctionalInterface
public interface ChartCapacity {

    /** Nothing known: no capacity lines. */
    ChartCapacity NONE = (deviceId, memory) -> OptionalLong.empty();

    /**
     * @param memory {@code "DRAM"} or {@code "L1"}
     */
    OptionalLong bytesOf(int deviceId, String memory);

    /**
     * The memory a series' records occupy, as the capacity counts them: DRAM for DRAM and
     * TRACE buffers, L1 for L1 and L1_SMALL buffers and for CBs; null for the rest (system
     * memory, kernels), which no capacity line bounds.
     */
    static String memoryOf(String label) {
        return switch (label) {
            case "DRAM", "TRACE" -> "DRAM";
            case "L1", "L1_SMALL", "CB L1" -> "L1";
            default -> null;
        };
    }
}
