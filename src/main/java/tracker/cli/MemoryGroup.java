package tracker.cli;

import java.util.Comparator;

/**
 * What {@code tracker stats} sums live bytes by: one device, record kind (BUFFER, CB, KERNEL)
 * and type (a buffer's memory type, L1 for a CB, the kernel type for a kernel). Immutable.
 */
record MemoryGroup(int deviceId, String kind, String type) {

    /** The order of {@code tracker stats}: device, kind, type. */
    static final Comparator<MemoryGroup> ORDER = Comparator.comparingInt(MemoryGroup::deviceId)
            .thenComparing(MemoryGroup::kind).thenComparing(MemoryGroup::type);

    /** How a chart or a trace names the group within its device: {@code DRAM}, {@code CB L1}, {@code KERNEL FABRIC}. */
    String label() {
        return kind.equals("BUFFER") ? type : kind + " " + type;
    }
}
