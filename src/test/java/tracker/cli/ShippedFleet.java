package tracker.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tracker.fleet.ShipTarget;
import tracker.server.TrackerDaemon;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.DevicePeakRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;
import tracker.testing.PostgresServer;
import tracker.testing.TestDaemon;

/**
 * A fleet store as daemons fill it: a real PostgreSQL server, and two real daemons ({@code
 * alpha}, {@code beta}, in this JVM, each with its own database file and socket) shipping to
 * it, each sent allocations by a real client process (src/test/python/fleet_load.py) that
 * leaks and is reaped. Alpha's file also holds, before its daemon starts, commit windows of
 * device 1 written hours ago by the store's own writer ({@link #seedWindows}), which its
 * shipper ships as it ships the rest. The daemons are stopped once everything is shipped.
 */
final class ShippedFleet implements AutoCloseable {

    static final List<String> HOSTS = List.of("alpha", "beta");
    static final int ALLOCS = 300;
    /** Live buffers a client keeps at most; one more for a moment, before it frees the oldest. */
    static final int WINDOW = 20;
    static final Map<String, Integer> LEAKS = Map.of("alpha", 3, "beta", 4);

    final PostgresServer server;
    final String database;
    /** The store's URL with the password in it. */
    final String url;
    final Map<String, Path> files = new java.util.LinkedHashMap<>();
    /** The start of the hour, some hours ago, that alpha's seeded windows count from. */
    final Instant base;
    /** Before the first client started, and after every leak was reaped and shipped. */
    final Instant loadStart;
    final Instant loadEnd;

    private ShippedFleet(PostgresServer server, String database, Instant base, Instant loadStart, Instant loadEnd) {
        this.server = server;
        this.database = database;
        this.url = "postgresql://" + PostgresServer.USER + ":" + server.password() + "@127.0.0.1:" + server.port()
                + "/" + database;
        this.base = base;
        this.loadStart = loadStart;
        this.loadEnd = loadEnd;
    }

    static ShippedFleet start(Path directory) throws Exception {
        PostgresServer server = PostgresServer.start();
        try {
            String database = server.createDatabase();
            Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
            Map<String, Path> files = new java.util.LinkedHashMap<>();
            List<TrackerDaemon> daemons = new ArrayList<>();
            List<ChildProcess> clients = new ArrayList<>();
            List<ByteArrayOutputStream> logs = new ArrayList<>();
            Instant loadStart;
            try {
                for (String host : HOSTS) {
                    Path dir = directory.resolve(host);
                    Files.createDirectories(dir);
                    var config = TestDaemon.config(dir, tracker.wire.WireVersion.V3);
                    files.put(host, config.database());
                    if (host.equals("alpha")) {
                        seedWindows(config.database(), base);
                    }
                    ShipTarget target = ShipTarget.parse(server.url(database), host,
                            Map.of("PGPASSWORD", server.password()));
                    ByteArrayOutputStream log = new ByteArrayOutputStream();
                    logs.add(log);
                    daemons.add(new TrackerDaemon(config, new PrintStream(log, true, StandardCharsets.UTF_8),
                            Clock.systemUTC()).shipTo(target).start());
                }
                loadStart = Instant.now();
                for (String host : HOSTS) {
                    clients.add(client(directory.resolve(host).resolve("tracker.sock"), LEAKS.get(host)));
                }
                for (ChildProcess client : clients) {
                    if (!client.process().waitFor(120, TimeUnit.SECONDS) || client.process().exitValue() != 0) {
                        throw new AssertionError("a load client failed: " + client.stdout() + client.stderr());
                    }
                }
                // a reap commits after the events before it, and ships with them
                Poll.until(Duration.ofSeconds(60), () -> count(server, database, "SELECT COUNT(*) FROM reaps") == 2
                                && count(server, database, "SELECT COUNT(*) FROM processes WHERE ended_at IS NULL") == 0,
                        () -> "both leaks reaped and shipped; the daemons said:\n" + logs.stream()
                                .map(log -> log.toString(StandardCharsets.UTF_8)).toList());
            } finally {
                for (TrackerDaemon daemon : daemons) {
                    daemon.close();
                }
                for (ChildProcess client : clients) {
                    client.close();
                }
            }
            ShippedFleet fleet = new ShippedFleet(server, database, base, loadStart, Instant.now());
            fleet.files.putAll(files);
            return fleet;
        } catch (Exception | AssertionError e) {
            server.close();
            throw e;
        }
    }

    private static ChildProcess client(Path socket, int leak) throws java.io.IOException {
        ProcessBuilder builder = new ProcessBuilder("python3", "src/test/python/fleet_load.py",
                Integer.toString(ALLOCS), Integer.toString(WINDOW), "1.0");
        builder.environment().put("TRACKER_SOCKET", socket.toString());
        builder.environment().put("FLEET_LOAD_LEAK", Integer.toString(leak));
        return ChildProcess.start(builder);
    }

    /**
     * Device 1's windows on alpha, minutes after {@code base} (mm:ss):
     * 10:10 up to 5 KiB at 10:20, ends at 1 KiB; 10:40 up to 2 KiB at 10:45, ends at 0;
     * 12:05 up to 9 KiB at 12:06 (and CBs, 1 KiB at 12:05), ends at 2 KiB; 15:00 up to 3 KiB at
     * 15:30, ends at 0.
     */
    static void seedWindows(Path file, Instant base) {
        try (Database database = Database.open(file, Database.Access.READ_WRITE)) {
            StoreWriter writer = new StoreWriter(database.jdbi());
            window(writer, base, "10:10", "BUFFER", "DRAM", 5120, "10:20", 1024);
            window(writer, base, "10:40", "BUFFER", "DRAM", 2048, "10:45", 0);
            CommitBatch both = new CommitBatch();
            both.devicePeaks.add(row(base, "12:05", "BUFFER", "DRAM", 9216, "12:06", 2048));
            both.devicePeaks.add(row(base, "12:05", "CB", "L1", 1024, "12:05", 0));
            writer.write(both);
            window(writer, base, "15:00", "BUFFER", "DRAM", 3072, "15:30", 0);
        }
    }

    private static void window(StoreWriter writer, Instant base, String start, String kind, String type, long peak,
                               String peakAt, long end) {
        CommitBatch batch = new CommitBatch();
        batch.devicePeaks.add(row(base, start, kind, type, peak, peakAt, end));
        writer.write(batch);
    }

    private static DevicePeakRow row(Instant base, String start, String kind, String type, long peak, String peakAt,
                                     long end) {
        return new DevicePeakRow(Times.micros(at(base, start)), 1, kind, type, peak, Times.micros(at(base, peakAt)),
                end);
    }

    /** {@code base} plus mm:ss. */
    static Instant at(Instant base, String minutesSeconds) {
        String[] parts = minutesSeconds.split(":");
        return base.plusSeconds(60L * Integer.parseInt(parts[0]) + Integer.parseInt(parts[1]));
    }

    /** One number from the store, as its superuser; -1 when it cannot be read now. */
    static long count(PostgresServer server, String database, String sql) {
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    long count(String sql) {
        return count(server, database, sql);
    }

    Connection connect() throws SQLException {
        return server.connect(database);
    }

    @Override
    public void close() {
        server.close();
    }
}
