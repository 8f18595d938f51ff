import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;

/**
 * What a self-join of the allocations view costs the thread that runs it, as tracker sql
 * runs it (the reader's lazy session, one SNAPSHOT transaction): bytes allocated per pair of
 * rows, counted by the JVM for the thread (the same figure on a loaded machine), and time.
 * Prints one line per round: "bytes_per_pair=B ms=T".
 * Usage: JoinAllocation ROWS ROUNDS
 */
public final class JoinAllocation {
    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Path directory = Files.createTempDirectory("join-allocation");
        try (Database database = Database.open(directory.resolve("db"), Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            long now = Times.micros(java.time.Instant.now());
            batch.newProcesses.add(new ProcessRow(1, 101, 101, 1L, "boot", 0, "p1", now, now));
            List<LiveRow> live = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                live.add(new LiveRow("BUFFER", 0, 0x1000L * (i + 1), "DRAM", 64 + i, 1, 1, now));
            }
            batch.segments.addAll(tracker.testing.Segments.snapshotsOf(live));
            new StoreWriter(database.jdbi()).write(batch);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int round = 0; round < rounds; round++) {
                try (Connection reader = database.readerConnection(); Statement sql = reader.createStatement()) {
                    reader.setTransactionIsolation(Database.SNAPSHOT_ISOLATION);
                    reader.setAutoCommit(false);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    long start = System.nanoTime();
                    long pairs;
                    try (ResultSet result = sql.executeQuery("SELECT COUNT(*) FROM allocations a, allocations b")) {
                        result.next();
                        pairs = result.getLong(1);
                    }
                    long bytes = threads.getCurrentThreadAllocatedBytes() - before;
                    System.out.printf("bytes_per_pair=%.1f ms=%d%n", bytes / (double) pairs,
                            (System.nanoTime() - start) / 1_000_000);
                    reader.rollback();
                }
            }
        }
    }
}
