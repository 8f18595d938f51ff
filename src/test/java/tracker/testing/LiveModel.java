package tracker.testing;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tracker.wire.DeviceTotals;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;
import tracker.wire.RecordKind;

/**
 * The live set the protocol promises, computed independently of the daemon: a key is (kind,
 * device, buffer id); an allocation of a live key raises its count, a release lowers it and
 * the record is gone at zero; a release of an unknown key only counts. Not thread-safe.
 */
public final class LiveModel {

    public record Key(RecordKind kind, int deviceId, long bufferId) {
    }

    private static final class Entry {
        final String type;
        final long size;
        final int slot;
        int refCount = 1;

        Entry(String type, long size, int slot) {
            this.type = type;
            this.size = size;
            this.slot = slot;
        }
    }

    private static final int CB_SLOT = 5;
    private static final int KERNEL_SLOT = 6;

    private final Map<Key, Entry> live = new HashMap<>();
    private long unknownFrees;

    /** Applies a state-changing frame (ALLOC, FREE, CB_*, KERNEL_*). */
    public void apply(Frame frame) {
        MessageType type = frame.type();
        Key key = new Key(RecordKind.of(type), frame.deviceId(), frame.bufferId());
        Entry entry = live.get(key);
        if (type.allocates()) {
            if (entry != null) {
                entry.refCount++;
            } else {
                live.put(key, switch (key.kind()) {
                    case BUFFER -> new Entry(MemoryType.ofCode(frame.bufferType()).name(), frame.size(),
                            frame.bufferType());
                    case CB -> new Entry("L1", frame.size(), CB_SLOT);
                    case KERNEL -> new Entry(KernelType.nameOf(frame.bufferType()), frame.size(), KERNEL_SLOT);
                });
            }
        } else if (entry == null) {
            unknownFrees++;
        } else if (--entry.refCount == 0) {
            live.remove(key);
        }
    }

    public void applyAll(Iterable<Frame> frames) {
        for (Frame frame : frames) {
            apply(frame);
        }
    }

    /** The bytes a QUERY for {@code deviceId} must report. */
    public DeviceTotals totals(int deviceId) {
        long[] slots = new long[7];
        live.forEach((key, entry) -> {
            if (key.deviceId() == deviceId) {
                slots[entry.slot] += entry.size;
            }
        });
        return new DeviceTotals(slots[0], slots[1], slots[3], slots[4], slots[CB_SLOT], slots[KERNEL_SLOT]);
    }

    /** The rows the {@code allocations} table must hold. */
    public Set<LiveRows.Row> rows() {
        Set<LiveRows.Row> rows = new HashSet<>();
        live.forEach((key, entry) -> rows.add(new LiveRows.Row(key.kind().name(), key.deviceId(), key.bufferId(),
                entry.type, entry.size, entry.refCount)));
        return rows;
    }

    public Set<Integer> devices() {
        Set<Integer> devices = new HashSet<>();
        live.keySet().forEach(key -> devices.add(key.deviceId()));
        return devices;
    }

    public int size() {
        return live.size();
    }

    public long unknownFrees() {
        return unknownFrees;
    }

    /** The totals a RESPONSE frame carries; cb and kernel only in 144-byte frames. */
    public static DeviceTotals totalsIn(byte[] response) {
        boolean v3 = response.length >= 144;
        return new DeviceTotals(FrameCodec.getLong(response, FrameCodec.OFF_DRAM),
                FrameCodec.getLong(response, FrameCodec.OFF_L1),
                FrameCodec.getLong(response, FrameCodec.OFF_L1_SMALL),
                FrameCodec.getLong(response, FrameCodec.OFF_TRACE),
                v3 ? FrameCodec.getLong(response, 72) : 0,
                v3 ? FrameCodec.getLong(response, 80) : 0);
    }

    /** What a client of {@code frameBytes}-byte frames can see of {@code totals}. */
    public static DeviceTotals visibleIn(int frameBytes, DeviceTotals totals) {
        return frameBytes >= 144 ? totals
                : new DeviceTotals(totals.dram(), totals.l1(), totals.l1Small(), totals.trace(), 0, 0);
    }
}
