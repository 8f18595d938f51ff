package tracker.cli;

import tracker.store.HistoryEvent;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;

/** How tracker history names an event and the kind of memory or kernel it concerns. */
final class EventNames {

    private EventNames() {
    }

    static String event(HistoryEvent event) {
        MessageType type = MessageType.ofCode(event.typeCode());
        return type == null ? "TYPE_" + event.typeCode() : type.name();
    }

    /** The memory type of an ALLOC, the kernel type of a KERNEL_LOAD, else null. */
    static String type(HistoryEvent event) {
        MessageType type = MessageType.ofCode(event.typeCode());
        if (type == MessageType.ALLOC) {
            MemoryType memory = MemoryType.ofCode(event.bufferType());
            return memory == null ? Integer.toString(event.bufferType()) : memory.name();
        }
        if (type == MessageType.KERNEL_LOAD) {
            return KernelType.nameOf(event.bufferType());
        }
        return null;
    }
}
