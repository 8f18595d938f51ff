package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.fleet.FleetShipper;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;
import tracker.testing.PostgresServer;

/**
 * The usage per minute in the fleet store when a minute holds more commit windows than one
 * shipment reads: a real daemon shipping to a real PostgreSQL, loaded by a real client across
 * a minute boundary. The store's {@code usage_minutes} must equal the per-minute peaks of the
 * local {@code device_peaks} windows, for the busy minute and for every minute after it.
 */
class FleetBusyMinuteTest {

    /**
     * Windows one shipment reads. Stands in for the default of 50,000, which one minute exceeds
     * with --commit-interval 50ms on a host with 8 devices (about 67,000 windows a minute): a
     * load of that size, for minutes, would take too long here. At 50 ms a steadily loaded
     * device fills about 20 windows a second, so a minute of load exceeds this bound within 1 s.
     */
    static final int PEAK_WINDOWS = 20;
    /** Load in the minute after the busy one. */
    static final int SECONDS_AFTER = 8;
    static final int ALLOCS_PER_SECOND = 2_000;
    static final String HOST = "busy";

    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aMinuteOfMoreWindowsThanAShipmentReadsIsShippedWholeAndTheMinutesAfterItFollow(@TempDir Path directory)
            throws Exception {
        String database = postgres.createDatabase();
        Files.createDirectories(directory);
        try (ChildServe serve = ChildServe.start(List.of("env", "PGPASSWORD=" + postgres.password()),
                List.of("-D" + FleetShipper.PEAK_WINDOWS_PROPERTY + "=" + PEAK_WINDOWS),
                directory.resolve("tracker.sock"), directory.resolve("db").resolve("tracker"),
                "--commit-interval", "50ms", "--reap-interval", "200ms", "--ship-to", postgres.url(database),
                "--host-name", HOST)) {
            // the load runs from now to SECONDS_AFTER into the next minute; with less than 3 s of
            // this minute left, from the next one on (this minute would not be busy enough)
            if (secondsLeftInMinute() < 3) {
                long minute = Instant.now().getEpochSecond() / 60;
                Poll.until(Duration.ofSeconds(5), () -> Instant.now().getEpochSecond() / 60 > minute,
                        "the next minute");
            }
            double seconds = secondsLeftInMinute() + SECONDS_AFTER;
            // the live set grows for its first 10 s (no frees until 20,000 are live), so a busy
            // minute's peak comes late in it, after the windows one shipment reads
            ChildProcess client = FleetLoad.client(serve.socket(), Map.of(), (int) (seconds * ALLOCS_PER_SECOND),
                    10 * ALLOCS_PER_SECOND, 0, seconds);
            try {
                long events = FleetLoad.events(List.of(client));
                Poll.until(Duration.ofSeconds(30), () -> ControlSocket.sqlLong(serve.database(),
                                FleetLoad.LOCAL_EVENTS) == events,
                        () -> "the daemon to commit all " + events + " events\n" + serve.output());
                // nothing changes locally from here on: a store caught up with a later snapshot holds it all
                Instant loadCommitted = Instant.now();
                Poll.until(Duration.ofSeconds(60), () -> FleetLoad.central(postgres, database, "SELECT COUNT(*)"
                                + " FROM hosts WHERE host_name = '" + HOST + "' AND caught_up_at > TIMESTAMPTZ '"
                                + loadCommitted + "'") == 1,
                        () -> "the store caught up with the local file\n" + serve.output());

                List<Window> windows = localWindows(serve);
                TreeMap<Long, Integer> windowsPerMinute = new TreeMap<>();
                windows.forEach(window -> windowsPerMinute.merge(minuteOf(window.start()), 1, Integer::sum));
                List<Long> busy = windowsPerMinute.entrySet().stream()
                        .filter(minute -> minute.getValue() > PEAK_WINDOWS).map(Map.Entry::getKey).toList();
                assertTrue(!busy.isEmpty() && busy.get(0) < windowsPerMinute.lastKey(),
                        "a minute of more than " + PEAK_WINDOWS + " windows, and a minute after it: "
                                + windowsPerMinute);
                assertEquals(peaksPerMinute(windows), storeMinutes(database),
                        "usage_minutes in the store: the per-minute peaks of the local windows (minute, device,"
                                + " kind, type, peak_bytes, peak_at; windows per minute: " + windowsPerMinute + ")");
            } finally {
                client.close();
            }
            assertEquals(0, serve.stop(), serve.output());
        }
    }

    private static double secondsLeftInMinute() {
        Instant now = Instant.now();
        return 60 - (now.getEpochSecond() % 60) - now.getNano() / 1e9;
    }

    private static long minuteOf(long micros) {
        return Math.floorDiv(micros, 60_000_000L) * 60_000_000L;
    }

    /** A local commit window of device_peaks; times in microseconds since the epoch. */
    record Window(long start, String device, String kind, String type, long peak, long peakAt) {
    }

    /** The local windows, in the order of their start. */
    private static List<Window> localWindows(ChildServe serve) {
        String epoch = "TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'";
        ControlSocket.Result result = ControlSocket.run(serve.database(), "sql", "--format", "csv",
                "SELECT DATEDIFF(MICROSECOND, " + epoch + ", window_start), device_id, kind, type, peak_bytes,"
                        + " DATEDIFF(MICROSECOND, " + epoch + ", peak_at) FROM device_peaks ORDER BY window_start")
                .orElseThrow();
        assertEquals(0, result.exit(), result.err());
        List<Window> windows = new ArrayList<>();
        List<String> lines = result.out().lines().filter(line -> !line.isBlank()).toList();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            windows.add(new Window(Long.parseLong(cells[0]), cells[1], cells[2], cells[3], Long.parseLong(cells[4]),
                    Long.parseLong(cells[5])));
        }
        return windows;
    }

    /**
     * Per minute, device, kind and type: the highest peak of the minute's windows, at the time
     * of the first window that reached it. Each row as text: minute, device, kind, type, bytes,
     * time.
     */
    private static List<List<String>> peaksPerMinute(List<Window> windows) {
        Map<List<String>, Window> peaks = new LinkedHashMap<>();
        for (Window window : windows) {
            List<String> key = List.of(Long.toString(minuteOf(window.start())), window.device(), window.kind(),
                    window.type());
            Window known = peaks.get(key);
            if (known == null || window.peak() > known.peak()) {
                peaks.put(key, window);
            }
        }
        List<List<String>> rows = new ArrayList<>();
        peaks.forEach((key, window) -> {
            List<String> row = new ArrayList<>(key);
            row.add(Long.toString(window.peak()));
            row.add(Long.toString(window.peakAt()));
            rows.add(row);
        });
        rows.sort(ROWS);
        return rows;
    }

    private static List<List<String>> storeMinutes(String database) throws Exception {
        List<List<String>> rows = FleetLoad.centralRows(postgres, database, "SELECT"
                + " (EXTRACT(EPOCH FROM u.minute) * 1000000)::BIGINT, u.device_id, u.kind, u.type, u.peak_bytes,"
                + " (EXTRACT(EPOCH FROM u.peak_at) * 1000000)::BIGINT FROM usage_minutes u JOIN hosts h"
                + " ON h.host_id = u.host_id WHERE h.host_name = '" + HOST + "'");
        rows = new ArrayList<>(rows);
        rows.sort(ROWS);
        return rows;
    }

    private static final java.util.Comparator<List<String>> ROWS = java.util.Comparator
            .<List<String>>comparingLong(row -> Long.parseLong(row.get(0)))
            .thenComparingLong(row -> Long.parseLong(row.get(1)))
            .thenComparing(row -> row.get(2)).thenComparing(row -> row.get(3));
}
