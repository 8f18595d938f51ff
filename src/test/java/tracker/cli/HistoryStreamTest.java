package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.report.Hex;
import tracker.store.ChunkRow;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.EventChunkCodec;
import tracker.store.HistoryEvent;
import tracker.store.StoreWriter;
import tracker.store.Times;

/**
 * tracker history on a history of many processes whose chunks interleave and overlap in
 * time: the answer is checked against a reference computed from the generated events alone
 * (filter, stable sort by time, keep the last N), for the whole history and for --limit,
 * --since, --until, --pid, --device and --buffer, alone and together.
 */
class HistoryStreamTest {

    private static final long T0 = 1_800_000_000_000_000L;
    private static final long WINDOW_US = 1000;
    private static final int WINDOWS = 40;

    @TempDir
    static Path directory;

    private static Path database;
    /** Every event written, in the order the chunks were stored (chunk id), each chunk in its own order. */
    private static final List<Generated> WRITTEN = new ArrayList<>();

    /** An event as generated, with the chunk it was stored in and its rank within its microsecond. */
    private record Generated(long chunkFirst, long chunkId, int rank, HistoryEvent event) {
    }

    /**
     * A rank as the daemon gives them: the same for a process's events of one microsecond,
     * often different between processes that send in the same one.
     */
    private static int rankOf(HistoryEvent e) {
        return (int) Math.floorMod(micros(e) * 31 + e.processId() * 17, 3L);
    }

    @BeforeAll
    static void writeInterleavedHistory() {
        database = directory.resolve("tracker");
        Random random = new Random(20261202);
        // process ids 10..16; pid 4004 is reused (process 14 in the first half, 15 in the
        // second); process 16 is unresolved (no pid); process 13 keeps a chunk open over three
        // windows, as when a commit is late, so its chunks reach into later windows' time
        Integer[] pids = {4000, 4001, 4002, 4003, 4004, 4004, null};
        EventChunkCodec.Builder[] open = new EventChunkCodec.Builder[pids.length];
        List<List<HistoryEvent>> openEvents = new ArrayList<>();
        for (int p = 0; p < pids.length; p++) {
            openEvents.add(new ArrayList<>());
        }
        long nextId = 1;
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            StoreWriter writer = new StoreWriter(db.jdbi());
            for (int w = 0; w < WINDOWS; w++) {
                CommitBatch batch = new CommitBatch();
                for (int p = 0; p < pids.length; p++) {
                    long processId = 10 + p;
                    boolean active = p == 4 ? w < WINDOWS / 2 : p != 5 || w >= WINDOWS / 2;
                    if (active && random.nextInt(5) != 0) {
                        if (open[p] == null) {
                            open[p] = new EventChunkCodec.Builder();
                        }
                        for (HistoryEvent e : events(random, processId, pids[p], T0 + w * WINDOW_US)) {
                            int flags = e.unknownFree() ? EventChunkCodec.UNKNOWN_FREE
                                    : e.typeCode() == 2 && e.recordKnown() ? EventChunkCodec.FREED_RECORD : 0;
                            open[p].add(micros(e), rankOf(e), e.typeCode(), flags, e.deviceId(), e.bufferType(), e.size(),
                                    e.bufferId(), e.clientTimestamp(), e.refCountAfter());
                            openEvents.get(p).add(e);
                        }
                    }
                    boolean seal = p != 3 || w % 3 == 2 || w == WINDOWS - 1;
                    if (seal && open[p] != null) {
                        long id = nextId++;
                        EventChunkCodec.Builder chunk = open[p];
                        batch.chunks.add(new ChunkRow(id, processId, pids[p], chunk.firstMicros(), chunk.lastMicros(),
                                chunk.count(), chunk.toBytes()));
                        for (HistoryEvent e : openEvents.get(p)) {
                            WRITTEN.add(new Generated(chunk.firstMicros(), id, rankOf(e), e));
                        }
                        open[p] = null;
                        openEvents.get(p).clear();
                    }
                }
                writer.write(batch);
            }
        }
        assertTrue(WRITTEN.size() > 2000, "history of " + WRITTEN.size() + " events");
    }

    /** A window's events of one process, in time order, on a coarse grid so that times often tie. */
    private static List<HistoryEvent> events(Random random, long processId, Integer pid, long windowStart) {
        int count = 1 + random.nextInt(30);
        long[] times = new long[count];
        for (int i = 0; i < count; i++) {
            times[i] = windowStart + 7L * random.nextInt((int) (WINDOW_US / 7));
        }
        java.util.Arrays.sort(times);
        List<HistoryEvent> events = new ArrayList<>(count);
        for (long micros : times) {
            int type = switch (random.nextInt(4)) {
                case 0 -> 1; // ALLOC
                case 1 -> 2; // FREE
                case 2 -> 8; // CB_ALLOC
                default -> 10; // KERNEL_LOAD
            };
            // a FREE knows the record it released, or not (unknown, or another process's)
            boolean unknownFree = type == 2 && random.nextInt(7) == 0;
            events.add(new HistoryEvent(processId, pid, Times.instant(micros), type, random.nextInt(3),
                    random.nextInt(5), 4096L * (1 + random.nextInt(100)), 0x1000L * (1 + random.nextInt(12)),
                    type == 2 ? 0 : micros * 3, random.nextInt(3), unknownFree,
                    type != 2 || !unknownFree && random.nextInt(5) > 0));
        }
        return events;
    }

    /**
     * The reference answer: filter, stable sort by time and rank of the events in stored order,
     * then the last N.
     */
    private static List<String> expected(Predicate<HistoryEvent> shown, int limit) {
        List<Generated> stored = new ArrayList<>(WRITTEN);
        stored.sort(Comparator.comparingLong(Generated::chunkFirst).thenComparingLong(Generated::chunkId));
        List<Generated> shownInOrder = new ArrayList<>();
        for (Generated g : stored) {
            if (shown.test(g.event())) {
                shownInOrder.add(g);
            }
        }
        shownInOrder.sort(Comparator.comparing((Generated g) -> g.event().receivedAt()).thenComparingInt(Generated::rank));
        List<HistoryEvent> kept = new ArrayList<>(shownInOrder.stream().map(Generated::event).toList());
        if (limit > 0 && kept.size() > limit) {
            kept = kept.subList(kept.size() - limit, kept.size());
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", HistoryTable.COLUMNS));
        for (HistoryEvent e : kept) {
            String type = EventNames.type(e);
            lines.add(e.receivedAt() + "," + (e.pid() == null ? "" : e.pid()) + "," + EventNames.event(e) + ","
                    + e.deviceId() + "," + (type == null ? "" : type) + "," + new Hex(e.bufferId()) + ","
                    + (e.recordKnown() ? Long.toString(e.size()) : "") + "," + e.refCountAfter() + "," + e.unknownFree()
                    // the generated client timestamps are microseconds (below 10^17)
                    + "," + (e.clientTimestamp() == 0 ? "" : Times.instant(e.clientTimestamp())));
        }
        return lines;
    }

    private static List<String> history(String... options) {
        List<String> args = new ArrayList<>(List.of("history", "--db", database.toString(), "--format", "csv"));
        args.addAll(List.of(options));
        Cli.Result result = Cli.onFile(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, result.exit(), result.err());
        return result.out().lines().toList();
    }

    private static long micros(HistoryEvent e) {
        return Times.micros(e.receivedAt());
    }

    private static String at(long micros) {
        return Times.instant(micros).toString();
    }

    @Test
    void theWholeHistoryIsEveryEventInTimeOrderAcrossProcesses() {
        List<String> all = history();
        assertEquals(expected(e -> true, 0), all);
        assertEquals(WRITTEN.size() + 1, all.size());
        // time order, with the processes interleaved
        Instant previous = Instant.MIN;
        int pidChanges = 0;
        String previousPid = null;
        for (String line : all.subList(1, all.size())) {
            String[] cells = line.split(",");
            Instant time = Instant.parse(cells[0]);
            assertTrue(!time.isBefore(previous), line);
            previous = time;
            pidChanges += previousPid != null && !previousPid.equals(cells[1]) ? 1 : 0;
            previousPid = cells[1];
        }
        assertTrue(pidChanges > WINDOWS * 3, "processes interleave: " + pidChanges + " changes");
    }

    @Test
    void limitGivesExactlyTheLatestEventsInTimeOrder() {
        int total = WRITTEN.size();
        for (int limit : new int[] {1, 2, 5, 37, 500, total - 1, total, total + 10, 100_000}) {
            assertEquals(expected(e -> true, limit), history("--limit", Integer.toString(limit)), "--limit " + limit);
        }
        List<String> five = history("--limit", "5");
        assertEquals(6, five.size());
        // the very last event written is among them
        long newest = WRITTEN.stream().mapToLong(g -> micros(g.event())).max().orElseThrow();
        assertEquals(at(newest), five.get(5).split(",")[0]);
    }

    @Test
    void sinceAndUntilWithLimitCutInsideChunksThatStraddleThem() {
        // inside process 13's long chunks, and on the grid where events tie
        long since = T0 + 7 * WINDOW_US + 301;
        long until = T0 + 31 * WINDOW_US + 497;
        Predicate<HistoryEvent> inRange = e -> micros(e) >= since && micros(e) <= until;
        assertEquals(expected(inRange, 0), history("--since", at(since), "--until", at(until)));
        for (int limit : new int[] {1, 3, 50, 1_000_000}) {
            assertEquals(expected(inRange, limit),
                    history("--since", at(since), "--until", at(until), "--limit", Integer.toString(limit)));
            assertEquals(expected(e -> micros(e) >= since, limit),
                    history("--since", at(since), "--limit", Integer.toString(limit)));
            assertEquals(expected(e -> micros(e) <= until, limit),
                    history("--until", at(until), "--limit", Integer.toString(limit)));
        }
        // a range with no event
        assertEquals(expected(e -> false, 0), history("--since", at(T0 + 100 * WINDOW_US), "--limit", "5"));
    }

    @Test
    void pidDeviceAndBufferFiltersWithLimit() {
        for (int limit : new int[] {0, 1, 7, 10_000}) {
            String n = Integer.toString(limit);
            // pid 4004 is two processes, one after the other
            assertEquals(expected(e -> Integer.valueOf(4004).equals(e.pid()), limit), history("--pid", "4004", "--limit", n));
            assertEquals(expected(e -> Integer.valueOf(4003).equals(e.pid()), limit), history("--pid", "4003", "--limit", n));
            assertEquals(expected(e -> e.deviceId() == 2, limit), history("--device", "2", "--limit", n));
            assertEquals(expected(e -> e.bufferId() == 0x3000, limit), history("--buffer", "0x3000", "--limit", n));
            long since = T0 + 12 * WINDOW_US + 5;
            assertEquals(expected(e -> e.bufferId() == 0x3000 && e.deviceId() == 1
                            && Integer.valueOf(4003).equals(e.pid()) && micros(e) >= since, limit),
                    history("--buffer", "12288", "--device", "1", "--pid", "4003", "--since", at(since), "--limit", n));
        }
        assertEquals(expected(e -> false, 0), history("--pid", "99999", "--limit", "3"));
    }

    @Test
    void theTableShowsTheSameEvents() {
        Cli.Result table = Cli.onFile("history", "--db", database.toString(), "--limit", "3");
        assertEquals(ExitCode.OK, table.exit(), table.err());
        List<String> csv = history("--limit", "3");
        List<String> lines = table.out().lines().toList();
        assertEquals(4, lines.size(), table.out());
        for (int i = 1; i < 4; i++) {
            assertTrue(lines.get(i).startsWith(csv.get(i).split(",")[0]), lines.get(i));
        }
    }

    @Test
    void aFileWithoutTheLastAtIndexGivesTheSameAnswers() throws Exception {
        // as a file written before the index existed, read by the CLI with no daemon to add it
        Path old = Files.createDirectories(directory.resolve("old")).resolve("tracker");
        Files.copy(Database.fileOf(database), Database.fileOf(old));
        try (Database db = Database.open(old, Database.Access.READ_WRITE)) {
            db.jdbi().useHandle(handle -> handle.execute("DROP INDEX event_chunks_last_at"));
        }
        long since = T0 + 7 * WINDOW_US + 301;
        Cli.Result result = Cli.onFile("history", "--db", old.toString(), "--format", "csv", "--since", at(since),
                "--limit", "40");
        assertEquals(ExitCode.OK, result.exit(), result.err());
        assertEquals(expected(e -> micros(e) >= since, 40), result.out().lines().toList());
    }
}
