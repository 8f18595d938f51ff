package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import tracker.proc.ProcFs;
import tracker.testing.Segments;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.HeldRow;

/** Processes and live rows written straight into a database file, for the reaps run on the file. */
final class StoredFixtures {

    static final ProcFs PROC = new ProcFs();
    static final String BOOT = PROC.bootId();
    static final LongSupplier NOW = () -> Times.micros(Instant.now());

    private StoredFixtures() {
    }

    /** A process that ran and was waited for: its pid and start time name nobody now. */
    record DeadProcess(int pid, long startTicks) {
        static DeadProcess create() throws Exception {
            Process sleeper = new ProcessBuilder("sleep", "600").start();
            try {
                int pid = (int) sleeper.pid();
                return new DeadProcess(pid, PROC.stat(pid).orElseThrow().startTicks());
            } finally {
                sleeper.destroyForcibly();
                assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
            }
        }
    }

    static ProcessRow process(long id, Integer pid, Long startTicks, String bootId, String command) {
        long seen = Times.micros(Instant.now().minusSeconds(60));
        return new ProcessRow(id, pid, pid == null ? 7 : pid, startTicks, bootId, 0, command, seen, seen + 1_000);
    }

    /** Four live rows of every kind; buffer ids differ per process, as the live set's key demands. */
    static List<LiveRow> rows(ProcessRow process) {
        long base = 0x100000L * process.id();
        long at = process.firstSeenMicros() + 10;
        List<LiveRow> rows = new ArrayList<>();
        rows.add(new LiveRow("BUFFER", 0, base, "DRAM", 3L << 20, 1, process.id(), at));
        rows.add(new LiveRow("BUFFER", 1, base + 0x1000, "L1", 65536, 2, process.id(), at));
        rows.add(new LiveRow("CB", 0, base + 0x2000, "L1", 2048, 1, process.id(), at));
        rows.add(new LiveRow("KERNEL", 0, base + 0x3000, "FABRIC", 8192, 1, process.id(), at));
        return rows;
    }

    static Set<HeldRow> held(ProcessRow process) {
        return rows(process).stream()
                .map(r -> new HeldRow(r.kind(), r.deviceId(), r.bufferId(), r.type(), r.size(), r.refCount()))
                .collect(Collectors.toSet());
    }

    static void write(Database db, List<ProcessRow> processes) {
        CommitBatch batch = new CommitBatch();
        batch.newProcesses.addAll(processes);
        processes.forEach(p -> batch.segments.addAll(Segments.snapshotsOf(rows(p))));
        new StoreWriter(db.jdbi()).write(batch);
    }
}
