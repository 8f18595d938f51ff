package tracker.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import tracker.proc.ProcFs;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.Segments;
import tracker.testing.WireClient;

/**
 * A database as a daemon leaves it: one process that has since died ({@link #DEAD_COMMAND})
 * and this JVM, alive ({@link #LIVE_COMMAND}), each holding buffers, CBs and kernels of known
 * sizes. The figures every command must give for them are here too.
 */
final class HoldingProcesses {

    static final String DEAD_COMMAND = "pytest tests/test_matmul.py";
    static final String LIVE_COMMAND = "python3 train.py --model resnet50 --epochs 90 --batch-size 256 "
            + "--data /datasets/imagenet/train";

    static final int SELF = WireClient.SELF_PID;
    static final int UID = 1000;

    private static final long DEAD_ID = 1_000_000;
    private static final long LIVE_ID = 1_000_001;

    /** The dead process: 2 buffers, 1 CB and 1 kernel. */
    static final Held DEAD = new Held(2, 1, 1, (1 << 20) + 4096, 2048, 8192);

    /** This JVM: 3 buffers, 2 CBs and 1 kernel. */
    static final Held LIVE = new Held(3, 2, 1, 65536 + 65536 + 16384, 4096 + 4096, 40960);

    /** What a process holds, as the commands must give it. */
    record Held(long buffers, long cbs, long kernels, long bufferBytes, long cbBytes, long kernelBytes) {
        long totalBytes() {
            return bufferBytes + cbBytes + kernelBytes;
        }
    }

    private HoldingProcesses() {
    }

    /** Writes the two processes and their records into a new database at {@code database}. */
    static void seed(Path database, int deadPid) {
        long now = Times.micros(Instant.now());
        ProcFs proc = new ProcFs();
        long selfStart = proc.stat(SELF).orElseThrow().startTicks();
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(new ProcessRow(DEAD_ID, deadPid, deadPid, 4242L, proc.bootId(), UID, DEAD_COMMAND,
                    now - 5_000_000, now - 1_000_000));
            batch.newProcesses.add(new ProcessRow(LIVE_ID, SELF, SELF, selfStart, proc.bootId(), UID, LIVE_COMMAND,
                    now - 3_000_000, now - 500_000));
            long at = now - 4_000_000;
            batch.segments.addAll(Segments.snapshotsOf(List.of(
                    new LiveRow("BUFFER", 0, 0x10000, "DRAM", 1 << 20, 1, DEAD_ID, at),
                    new LiveRow("BUFFER", 1, 0x10000, "L1", 4096, 2, DEAD_ID, at),
                    new LiveRow("CB", 0, 0x10000, "L1", 2048, 1, DEAD_ID, at),
                    new LiveRow("KERNEL", 0, 0x90000, "DISPATCH", 8192, 1, DEAD_ID, at),
                    new LiveRow("BUFFER", 0, 0x20000, "DRAM", 65536, 1, LIVE_ID, at),
                    new LiveRow("BUFFER", 0, 0x30000, "DRAM", 65536, 1, LIVE_ID, at),
                    new LiveRow("BUFFER", 0, 0x40000, "L1", 16384, 1, LIVE_ID, at),
                    new LiveRow("CB", 0, 0x20000, "L1", 4096, 1, LIVE_ID, at),
                    new LiveRow("CB", 0, 0x28000, "L1", 4096, 1, LIVE_ID, at),
                    new LiveRow("KERNEL", 0, 0xa0000, "APPLICATION", 40960, 1, LIVE_ID, at))));
            new StoreWriter(db.jdbi()).write(batch);
        }
    }

    /** The pid of a process that has exited: nothing runs under it now. */
    static int pidOfExitedProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return (int) process.pid();
    }
}
