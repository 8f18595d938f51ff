package tracker.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tracker.testing.ChildProcess;

/**
 * Load for the fleet store's tests: real client processes (src/test/python/fleet_load.py)
 * reporting to a daemon, and reads of what a fleet store and a local database hold.
 */
final class FleetLoad {

    static final Path CLIENT = Path.of("src/test/python/fleet_load.py");

    private FleetLoad() {
    }

    /** Starts a client: ALLOCS allocations, WINDOW live at most, LEAK held at exit, spread over SECONDS. */
    static ChildProcess client(Path socket, Map<String, String> tags, int allocs, int window, int leak, double seconds)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder("python3", CLIENT.toString(), Integer.toString(allocs),
                Integer.toString(window), Double.toString(seconds));
        builder.environment().put("TRACKER_SOCKET", socket.toString());
        builder.environment().put("FLEET_LOAD_LEAK", Integer.toString(leak));
        builder.environment().putAll(tags);
        return ChildProcess.start(builder);
    }

    /** Waits for the clients to end; returns the events they sent, all together. */
    static long events(List<ChildProcess> clients) throws InterruptedException {
        long events = 0;
        for (ChildProcess client : clients) {
            if (!client.process().waitFor(120, TimeUnit.SECONDS) || client.process().exitValue() != 0) {
                throw new AssertionError("a load client failed: " + client.stdout() + client.stderr());
            }
            // its output is read by a thread of its own, maybe not yet to the end
            tracker.testing.Poll.until(java.time.Duration.ofSeconds(10),
                    () -> client.stdout().stream().anyMatch(line -> line.startsWith("events ")),
                    () -> "the client's count of events: " + client.stdout() + client.stderr());
            for (String line : client.stdout()) {
                if (line.startsWith("events ")) {
                    events += Long.parseLong(line.substring("events ".length()).trim());
                }
            }
        }
        return events;
    }

    /** One number from the fleet store, or -1 when it cannot be read now. */
    static long central(tracker.testing.PostgresServer server, String database, String sql) {
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Every row of a query on the fleet store, each as its columns' text. */
    static List<List<String>> centralRows(tracker.testing.PostgresServer server, String database, String sql)
            throws SQLException {
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<List<String>> out = new ArrayList<>();
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<String> row = new ArrayList<>();
                for (int c = 1; c <= columns; c++) {
                    row.add(rows.getString(c));
                }
                out.add(row);
            }
            return out;
        }
    }

    /** The events of a host in the fleet store: the sum over its history chunks. */
    static String centralEventsOf(String hostName) {
        return "SELECT COALESCE(SUM(c.event_count), 0) FROM event_chunks c JOIN hosts h ON h.host_id = c.host_id"
                + " WHERE h.host_name = '" + hostName + "'";
    }

    static final String LOCAL_EVENTS = "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks";
}
