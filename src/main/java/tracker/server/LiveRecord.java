package tracker.server;

import tracker.store.LiveKeyRow;
import tracker.store.LiveRow;

/** One live buffer, CB or kernel. Ledger thread only. */
final class LiveRecord {
    final LiveKey key;
    final String type;
    final long size;
    final ProcessRecord owner;
    final long allocatedMicros;
    /** where its bytes count in the ledger's per-device totals */
    final int totalSlot;
    int refCount = 1;
    /** a row for it exists, or will once the batches already handed to the writer commit */
    boolean persisted;
    boolean removed;
    boolean dirty;
    boolean refCountChanged;
    /**
     * The next record of the same key, held by another process: each process that allocates
     * a key holds a record of its own. Null for nearly every record.
     */
    LiveRecord nextHolder;

    LiveRecord(LiveKey key, String type, int totalSlot, long size, ProcessRecord owner, long allocatedMicros) {
        this.totalSlot = totalSlot;
        this.key = key;
        this.type = type;
        this.size = size;
        this.owner = owner;
        this.allocatedMicros = allocatedMicros;
    }

    /** The buffer_type code of its type: the memory type of a buffer, the kernel type of a kernel, 0 for a CB. */
    int typeCode() {
        return switch (key.kind()) {
            case BUFFER -> totalSlot; // a buffer's bytes count under its memory type's code
            case KERNEL -> tracker.wire.KernelType.codeOf(type);
            case CB -> 0;
        };
    }

    LiveRow toRow() {
        return new LiveRow(key.kind().name(), key.deviceId(), key.bufferId(), type, size, refCount, owner.id,
                allocatedMicros);
    }

    LiveKeyRow keyRow() {
        return new LiveKeyRow(key.kind().name(), key.deviceId(), key.bufferId());
    }
}
