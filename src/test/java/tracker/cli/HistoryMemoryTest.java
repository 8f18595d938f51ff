package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.report.Hex;
import tracker.store.ChunkRow;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.EventChunkCodec;
import tracker.store.StoreWriter;
import tracker.store.Times;

/**
 * tracker history holds a commit window's worth of chunks, not the history: in a JVM of
 * 64 MB of heap it answers on 2 million events, which as objects would take several times
 * that heap (the reading that loaded every event died here of OutOfMemoryError).
 */
class HistoryMemoryTest {

    private static final int PROCESSES = 8;
    private static final int EVENTS_PER_PROCESS = 250_000;
    private static final int CHUNK_EVENTS = 4096;
    private static final long T0 = 1_800_000_000_000_000L;

    @TempDir
    static Path directory;

    private static Path database;

    /** Event i of process p: at T0 + 8i + p, buffer 8i + p. The processes' chunks interleave in time. */
    private static long micros(int i, int p) {
        return T0 + 8L * i + p;
    }

    @BeforeAll
    static void writeBigHistory() {
        database = directory.resolve("tracker");
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            StoreWriter writer = new StoreWriter(db.jdbi());
            long id = 1;
            CommitBatch batch = new CommitBatch();
            for (int start = 0; start < EVENTS_PER_PROCESS; start += CHUNK_EVENTS) {
                for (int p = 0; p < PROCESSES; p++) {
                    EventChunkCodec.Builder chunk = new EventChunkCodec.Builder();
                    for (int i = start; i < Math.min(start + CHUNK_EVENTS, EVENTS_PER_PROCESS); i++) {
                        chunk.add(micros(i, p), 0, 1, 0, p % 3, 0, 4096, 8L * i + p, micros(i, p), 1);
                    }
                    batch.chunks.add(new ChunkRow(id++, 100 + p, 5000 + p, chunk.firstMicros(), chunk.lastMicros(),
                            chunk.count(), chunk.toBytes()));
                }
                // a few large commits: the file is written in seconds, not a commit per window
                if (batch.chunks.size() >= 200) {
                    writer.write(batch);
                    batch = new CommitBatch();
                }
            }
            writer.write(batch);
        }
    }

    private static List<String> historyIn64MegabyteJvm(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), "tracker.cli.Main",
                "history", "--db", database.toString(), "--format", "csv"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "history did not finish");
        assertEquals(ExitCode.OK, process.exitValue(), "exit of history " + List.of(args));
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    private static String line(int i, int p) {
        return Times.instant(micros(i, p)) + "," + (5000 + p) + ",ALLOC," + (p % 3) + ",DRAM,"
                + new Hex(8L * i + p) + ",4096,1,false," + Times.instant(micros(i, p)); // client time in microseconds
    }

    @Test
    void limitFiveOnMillionsOfEventsInASmallHeap() throws Exception {
        List<String> lines = historyIn64MegabyteJvm("--limit", "5");
        int last = EVENTS_PER_PROCESS - 1;
        assertEquals(List.of(String.join(",", HistoryTable.COLUMNS), line(last, 3), line(last, 4), line(last, 5),
                line(last, 6), line(last, 7)), lines);
    }

    @Test
    void aFilterThatReadsTheWholeHistoryInASmallHeap() throws Exception {
        // one event in the middle: the merge goes through every chunk to find it
        int i = EVENTS_PER_PROCESS / 2 + 17;
        List<String> lines = historyIn64MegabyteJvm("--buffer", new Hex(8L * i + 6).toString());
        assertEquals(List.of(String.join(",", HistoryTable.COLUMNS), line(i, 6)), lines);
    }
}
