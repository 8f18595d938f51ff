package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Segments;

/**
 * The memory guard in a real collector and a small heap: {@code tracker sql} runs in a child
 * JVM of 96 MB with G1, the daemon's collector, on a file holding 20,000 live records. A
 * query that makes garbage but keeps nothing (a self-join counted) must run until its time
 * limit. In the daemon such a query filled the old generation with garbage that only G1's
 * mixed collections reclaim, and a guard that judged the old generation after every young
 * collection stopped it as "filled the memory". The child is set to reach that state within
 * seconds: whatever survives a young collection goes to the old generation, and the marking
 * that precedes mixed collections starts late (75 % of the heap). A query that does keep
 * everything is still stopped by the guard, and the JVM lives.
 */
class QueryMemoryGuardHeapTest {

    private static final int RECORDS = 20_000;

    @TempDir
    static Path directory;

    private static Path database;

    @BeforeAll
    static void liveRecords() {
        database = directory.resolve("tracker");
        long now = Times.micros(java.time.Instant.now());
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(new ProcessRow(1, 4242, 4242, 1L, "boot", 0, "holder", now, now));
            List<LiveRow> rows = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                rows.add(new LiveRow("BUFFER", i % 4, 0x100000L + 4096L * i, "DRAM", 4096, 1, 1, now));
            }
            batch.segments.addAll(Segments.snapshotsOf(rows));
            new StoreWriter(db.jdbi()).write(batch);
        }
    }

    private record Run(int exit, String err) {
    }

    private static final List<String> G1_LATE_MARKING = List.of("-XX:+UseG1GC", "-XX:MaxTenuringThreshold=0",
            "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=75");
    /** The collector the launcher gives one-shot commands, such as sql on the file. */
    private static final List<String> SERIAL = List.of("-XX:+UseSerialGC");

    private static Run sqlInSmallHeap(String query) throws Exception {
        return sqlInSmallHeap(G1_LATE_MARKING, query);
    }

    private static Run sqlInSmallHeap(List<String> collector, String query) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m"));
        command.addAll(collector);
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), "tracker.cli.Main",
                "sql", "--db", database.toString(), "--timeout", "6s", "--format", "csv", query));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        process.getOutputStream().close();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "sql did not finish");
        return new Run(process.exitValue(), new String(err, StandardCharsets.UTF_8).strip());
    }

    @Test
    void aJoinThatKeepsNothingRunsUntilItsTimeLimit() throws Exception {
        Run run = sqlInSmallHeap("SELECT COUNT(*) FROM allocations a, allocations b");
        assertEquals(3, run.exit(), run.err());
        assertEquals("tracker: the query ran longer than 6 s and was stopped", run.err());
    }

    @Test
    void aQueryThatKeepsEverythingIsStoppedAndTheJvmLives() throws Exception {
        assertStoppedForMemory(G1_LATE_MARKING);
    }

    @Test
    void withTheSerialCollectorToo() throws Exception {
        assertStoppedForMemory(SERIAL);
    }

    private static void assertStoppedForMemory(List<String> collector) throws Exception {
        Run run = sqlInSmallHeap(collector, "SELECT a.buffer_id, b.buffer_id, COUNT(*) FROM allocations a, allocations b"
                + " GROUP BY a.buffer_id, b.buffer_id");
        assertEquals(3, run.exit(), run.err());
        assertTrue(run.err().startsWith("tracker: the query filled the memory and was stopped"), run.err());
        assertFalse(run.err().contains("OutOfMemoryError"), run.err());
    }
}
