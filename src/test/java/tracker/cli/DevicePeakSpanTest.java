package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.DevicePeakRow;
import tracker.store.StoreWriter;
import tracker.store.Times;

/**
 * Which stored windows a span of {@code stats --since/--until} reads: whole hours from the
 * hourly roll-up, the ragged ends window by window, and the level held when the span began.
 * Windows are written as a commit writes them, hours apart, on a real file.
 */
class DevicePeakSpanTest {

    @TempDir
    Path directory;

    @Test
    void aSpanTakesTheWindowsThatBeganInItAndTheLevelItStartedFrom() throws Exception {
        Path file = directory.resolve("tracker");
        try (Database database = Database.open(file, Database.Access.READ_WRITE)) {
            StoreWriter writer = new StoreWriter(database.jdbi());
            // 10:10 up to 5 KiB, ends at 1 KiB; 11:30 up to 9 KiB, ends at 2 KiB;
            // 12:50 up to 3 KiB, ends at 3 KiB; 14:20 up to 7 KiB, ends at 0
            window(writer, "10:10", 5120, "10:11", 1024);
            window(writer, "11:30", 9216, "11:31", 2048);
            window(writer, "12:50", 3072, "12:50", 3072);
            window(writer, "14:20", 7168, "14:22", 0);
        }
        String db = file.toString();
        // all of it: the 11:30 window, read from its hour
        assertEquals(List.of("9216", at("11:31")), peak(db, "2026-01-05T09:00:00Z", "2026-01-05T16:00:00Z"));
        assertEquals(List.of("9216", at("11:31")), peak(db, null, "2026-01-05T16:00:00Z"));
        assertEquals(List.of("9216", at("11:31")), peak(db, "2026-01-05T09:00:00Z", null));
        // 11:40 to 14:00: the 2 KiB held when it began, then 3 KiB at 12:50 (whole hour 12, ragged 11:40-12:00, 13-14)
        assertEquals(List.of("3072", at("12:50")), peak(db, "2026-01-05T11:40:00Z", "2026-01-05T14:00:00Z"));
        // 12:55 to 14:30: 3 KiB held at its start, above nothing until 14:20's 7 KiB
        assertEquals(List.of("7168", at("14:22")), peak(db, "2026-01-05T12:55:00Z", "2026-01-05T14:30:00Z"));
        assertEquals(List.of("3072", "2026-01-05T12:55:00Z"), peak(db, "2026-01-05T12:55:00Z",
                "2026-01-05T14:10:00Z"));
        // within one hour, no window in it: the level carried in
        assertEquals(List.of("1024", "2026-01-05T10:30:00Z"), peak(db, "2026-01-05T10:30:00Z",
                "2026-01-05T10:40:00Z"));
        // before everything: none
        assertEquals(List.of(), peak(db, "2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"));
        // after the last window ended at 0: none held
        assertEquals(List.of(), peak(db, "2026-01-05T15:00:00Z", null));

        // prune takes the windows and hours older than its cutoff with the rest of the history
        Cli.Result prune = Cli.onFile("prune", "--db", db, "--older-than", "1d");
        assertEquals(ExitCode.OK, prune.exit(), prune.err());
        assertEquals(List.of(), peak(db, null, null));
        assertEquals(List.of(), peak(db, "2026-01-05T09:00:00Z", "2026-01-05T16:00:00Z"));
    }

    private static void window(StoreWriter writer, String start, long peak, String peakAt, long end) {
        CommitBatch batch = new CommitBatch();
        batch.devicePeaks.add(new DevicePeakRow(micros(start), 0, "BUFFER", "DRAM", peak,
                micros(peakAt), end));
        writer.write(batch);
    }

    private static long micros(String hhmm) {
        return Times.micros(Instant.parse("2026-01-05T" + hhmm + ":00Z"));
    }

    private static String at(String hhmm) {
        return "2026-01-05T" + hhmm + ":00Z";
    }

    private static List<String> peak(String db, String since, String until) {
        List<String> args = new java.util.ArrayList<>(List.of("stats", "--db", db, "--format", "csv"));
        if (since != null) {
            args.addAll(List.of("--since", since));
        }
        if (until != null) {
            args.addAll(List.of("--until", until));
        }
        if (since == null && until == null) {
            args.addAll(List.of("--until", "2027-01-01T00:00:00Z"));
        }
        Cli.Result result = Cli.onFile(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, result.exit(), result.err());
        List<Map<String, String>> rows = OutputRows.csv(result.out()).stream()
                .filter(row -> row.get("section").equals("peak")).toList();
        if (rows.isEmpty()) {
            return List.of();
        }
        assertEquals(2, rows.size(), result.out());
        assertEquals(List.of("0", "BUFFER", "DRAM"), List.of(rows.get(0).get("device_id"), rows.get(0).get("kind"),
                rows.get(0).get("type")));
        return List.of(rows.get(0).get("value"), rows.get(1).get("value"));
    }
}
