package tracker.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;

/** What well-behaved clients send: protocol-abiding frames of this JVM's pid on a device of their own. */
final class Scripts {

    private Scripts() {
    }

    /**
     * A random mix on {@code device} with buffer ids from {@code base}: allocations of every
     * memory kind, repeated allocations (ref counts), frees (a few of keys never allocated),
     * CBs and kernels.
     */
    static List<Frame> mixed(int device, long base, Random random, int operations) {
        List<Frame> frames = new ArrayList<>(operations);
        List<Long> buffers = new ArrayList<>();
        List<Long> cbs = new ArrayList<>();
        List<Long> kernels = new ArrayList<>();
        long next = 1;
        int pid = WireClient.SELF_PID;
        for (int i = 0; i < operations; i++) {
            int dice = random.nextInt(100);
            if (dice < 36 || buffers.isEmpty()) {
                long id = base + (next++ << 8);
                buffers.add(id);
                frames.add(WireClient.frame(MessageType.ALLOC, device, 1 + random.nextInt(1 << 24), random.nextInt(5),
                        pid, id));
            } else if (dice < 46) {
                frames.add(WireClient.frame(MessageType.ALLOC, device, 4096, 0, pid, pick(buffers, random)));
            } else if (dice < 74) {
                frames.add(WireClient.frame(MessageType.FREE, device, 0, 0, pid, pick(buffers, random)));
            } else if (dice < 77) {
                frames.add(WireClient.frame(MessageType.FREE, device, 0, 0, pid, base + (next++ << 8)));
            } else if (dice < 84) {
                long id = base + 0x10_0000_0000L + (next++ << 8);
                cbs.add(id);
                frames.add(WireClient.frame(MessageType.CB_ALLOC, device, 1 + random.nextInt(1 << 20), 0, pid, id));
            } else if (dice < 89 && !cbs.isEmpty()) {
                frames.add(WireClient.frame(MessageType.CB_FREE, device, 0, 0, pid, pick(cbs, random)));
            } else if (dice < 95) {
                long id = base + 0x20_0000_0000L + (next++ << 8);
                kernels.add(id);
                frames.add(WireClient.frame(MessageType.KERNEL_LOAD, device, 1 + random.nextInt(1 << 16),
                        random.nextInt(3), pid, id));
            } else if (!kernels.isEmpty()) {
                frames.add(WireClient.frame(MessageType.KERNEL_UNLOAD, device, 0, 0, pid, pick(kernels, random)));
            } else {
                frames.add(WireClient.frame(MessageType.FREE, device, 0, 0, pid, pick(buffers, random)));
            }
        }
        return frames;
    }

    /** The frames that release every row once per reference. */
    static List<Frame> releaseAll(Iterable<tracker.testing.LiveRows.Row> rows) {
        List<Frame> releases = new ArrayList<>();
        for (tracker.testing.LiveRows.Row row : rows) {
            MessageType release = switch (row.kind()) {
                case "CB" -> MessageType.CB_FREE;
                case "KERNEL" -> MessageType.KERNEL_UNLOAD;
                default -> MessageType.FREE;
            };
            for (int i = 0; i < row.refCount(); i++) {
                releases.add(WireClient.frame(release, row.deviceId(), row.size(), 0, WireClient.SELF_PID,
                        row.bufferId()));
            }
        }
        return releases;
    }

    private static long pick(List<Long> ids, Random random) {
        return ids.get(random.nextInt(ids.size()));
    }
}
