package tracker.server;

import tracker.wire.MemoryType;

/**
 * The groups live bytes are counted and their peaks kept in, per device: a buffer's memory
 * type (its code is its slot), circular buffers (L1), and kernels, all kernel types together
 * (type ALL). The slot of a record is its {@link LiveRecord#totalSlot}.
 */
final class PeakSlots {

    static final int PER_DEVICE = 7; // five memory types, CB, kernel
    static final int CB = 5;
    static final int KERNEL = 6;
    /** the type a kernel peak is stored under */
    static final String ALL_KERNEL_TYPES = "ALL";

    private PeakSlots() {
    }

    static int deviceOf(int index) {
        return index / PER_DEVICE;
    }

    static String kindOf(int index) {
        return switch (index % PER_DEVICE) {
            case CB -> "CB";
            case KERNEL -> "KERNEL";
            default -> "BUFFER";
        };
    }

    static String typeOf(int index) {
        return switch (index % PER_DEVICE) {
            case CB -> "L1";
            case KERNEL -> ALL_KERNEL_TYPES;
            default -> MemoryType.ofCode(index % PER_DEVICE).name();
        };
    }

    /** The index of a stored group, or -1 for one this version does not know. */
    static int index(int deviceId, String kind, String type) {
        if (deviceId < 0 || deviceId > tracker.wire.FrameCheck.MAX_DEVICE_ID) {
            return -1;
        }
        int slot;
        switch (kind) {
            case "CB" -> slot = CB;
            case "KERNEL" -> slot = KERNEL;
            case "BUFFER" -> {
                try {
                    slot = MemoryType.valueOf(type).code();
                } catch (IllegalArgumentException e) {
                    return -1;
                }
            }
            default -> {
                return -1;
            }
        }
        return deviceId * PER_DEVICE + slot;
    }
}
