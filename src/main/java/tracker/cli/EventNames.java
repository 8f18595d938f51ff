package tracker.cli;

import tracker.store.HistoryEvent;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;

/** How tracker history names an event and the kind of memory or kernel it concerns. */
final class EventNames {

    /** What the live set calls a CB's memory: CBs are carved out of L1. */
    static final String CB_MEMORY = "L1";

    private EventNames() {
    }

    static String event(HistoryEvent event) {
        switch (event.typeCode()) {
            case HistoryEvent.REAPED:
                return "REAPED";
            case HistoryEvent.REAPED_CB:
                return "CB_REAPED";
            case HistoryEvent.REAPED_KERNEL:
                return "KERNEL_REAPED";
            default:
                MessageType type = MessageType.ofCode(event.typeCode());
                return type == null ? "TYPE_" + event.typeCode() : type.name();
        }
    }

    /**
     * The memory type of a buffer's event, L1 for a CB's, the kernel type of a kernel's, as
     * the live set names them; null when the event does not know its record (a free of
     * nothing live).
     */
    static String type(HistoryEvent event) {
        switch (event.typeCode()) {
            case HistoryEvent.REAPED:
                return memory(event.bufferType());
            case HistoryEvent.REAPED_CB:
                return CB_MEMORY;
            case HistoryEvent.REAPED_KERNEL:
                return KernelType.nameOf(event.bufferType());
            default:
                break;
        }
        MessageType type = MessageType.ofCode(event.typeCode());
        if (type == null || !type.changesLiveSet() || !event.recordKnown()) {
            return null;
        }
        return switch (type) {
            case CB_ALLOC, CB_FREE -> CB_MEMORY;
            case KERNEL_LOAD, KERNEL_UNLOAD -> KernelType.nameOf(event.bufferType());
            default -> memory(event.bufferType());
        };
    }

    private static String memory(int code) {
        MemoryType memory = MemoryType.ofCode(code);
        return memory == null ? Integer.toString(code) : memory.name();
    }
}
