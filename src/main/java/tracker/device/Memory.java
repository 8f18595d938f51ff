package tracker.device;

import java.util.Optional;

/**
 * The two memories of a device whose capacity is known, and which records live in each: what
 * "used" means when it is set against a capacity.
 */
public enum Memory {
    DRAM,
    L1;

    /**
     * The memory a live record of this kind and type occupies: DRAM and TRACE buffers are in
     * DRAM (TT-Metal allocates traces in DRAM); L1 and L1_SMALL buffers and circular buffers in
     * L1. SYSTEM_MEMORY is host memory, and kernel binaries are not allocated by the device's
     * allocator: neither counts against a capacity.
     *
     * @param kind BUFFER, CB or KERNEL
     * @param type the memory type of a buffer (ignored for CB and KERNEL)
     */
    public static Optional<Memory> holding(String kind, String type) {
        if (kind.equals("CB")) {
            return Optional.of(L1);
        }
        if (!kind.equals("BUFFER") || type == null) {
            return Optional.empty();
        }
        return switch (type) {
            case "DRAM", "TRACE" -> Optional.of(DRAM);
            case "L1", "L1_SMALL" -> Optional.of(L1);
            default -> Optional.empty();
        };
    }
}
