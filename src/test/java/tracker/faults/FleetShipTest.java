package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;
import tracker.testing.PostgresServer;

/**
 * Two daemons, under two host names, shipping into one real PostgreSQL fleet store; the
 * README's fleet queries run on what they shipped.
 */
class FleetShipTest {

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

    static ChildServe serve(Path directory, PostgresServer server, String url, String hostName) throws Exception {
        Files.createDirectories(directory);
        return ChildServe.start(List.of("env", "PGPASSWORD=" + server.password()), directory.resolve("tracker.sock"),
                directory.resolve("db").resolve("tracker"), "--commit-interval", "50ms", "--reap-interval", "200ms",
                "--ship-to", url, "--host-name", hostName);
    }

    /** What a fleet_load.py client leaks: its last LEAK allocations, sized 4096 * (1 + n % 7). */
    static long leakedBytes(int allocs, int leak) {
        long bytes = 0;
        for (int n = allocs - leak; n < allocs; n++) {
            bytes += 4096L * (1 + n % 7);
        }
        return bytes;
    }

    @Test
    void twoHostsShipIntoOneStoreAndAreQueriedTogether(@TempDir Path directory) throws Exception {
        String database = postgres.createDatabase();
        String url = postgres.url(database);
        try (ChildServe alpha = serve(directory.resolve("a"), postgres, url, "alpha");
             ChildServe beta = serve(directory.resolve("b"), postgres, url, "beta")) {
            List<ChildProcess> alphaClients = List.of(
                    FleetLoad.client(alpha.socket(), Map.of("GITHUB_JOB", "build-a"), 3000, 100, 5, 0),
                    FleetLoad.client(alpha.socket(), Map.of("GITHUB_JOB", "build-a"), 2000, 50, 0, 0));
            List<ChildProcess> betaClients = List.of(
                    FleetLoad.client(beta.socket(), Map.of("GITHUB_JOB", "build-b"), 3000, 100, 7, 0));
            long alphaEvents = FleetLoad.events(alphaClients);
            long betaEvents = FleetLoad.events(betaClients);
            try {
                Poll.until(Duration.ofSeconds(60), () ->
                                FleetLoad.central(postgres, database, FleetLoad.centralEventsOf("alpha")) == alphaEvents
                                && FleetLoad.central(postgres, database, FleetLoad.centralEventsOf("beta")) == betaEvents
                                && FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM reaps") == 2
                                && FleetLoad.central(postgres, database,
                                        "SELECT COUNT(*) FROM processes WHERE ended_at IS NULL") == 0,
                        () -> "every event and both leaks in the fleet store; it has alpha "
                                + FleetLoad.central(postgres, database, FleetLoad.centralEventsOf("alpha")) + " of "
                                + alphaEvents + ", beta " + FleetLoad.central(postgres, database,
                                FleetLoad.centralEventsOf("beta")) + " of " + betaEvents + "\n" + alpha.output());
                // the local files hold the same
                assertEquals(alphaEvents, ControlSocket.sqlLong(alpha.database(), FleetLoad.LOCAL_EVENTS));
                assertEquals(betaEvents, ControlSocket.sqlLong(beta.database(), FleetLoad.LOCAL_EVENTS));
                assertEquals(ControlSocket.sqlLong(alpha.database(), "SELECT COUNT(*) FROM event_chunks"),
                        FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM event_chunks c JOIN hosts h"
                                + " ON h.host_id = c.host_id WHERE h.host_name = 'alpha'"));
                assertEquals(3, FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM processes"));
                // the hosts' counters, and how fresh each host's copy is
                Poll.until(Duration.ofSeconds(30), () -> FleetLoad.central(postgres, database, "SELECT c.total FROM"
                                + " host_counters c JOIN hosts h ON h.host_id = c.host_id WHERE h.host_name = 'alpha'"
                                + " AND c.name = 'events'") == alphaEvents,
                        () -> "the events counter of alpha in host_counters");
                assertEquals(0, FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM hosts"
                        + " WHERE caught_up_at IS NULL OR caught_up_at < now() - interval '10 seconds'"));
                assertEquals(3, FleetLoad.central(postgres, database,
                        "SELECT COUNT(*) FROM process_tags WHERE tag_key = 'GITHUB_JOB'"));
                assertTrue(alpha.output().contains("shipping to fleet store jdbc:postgresql://127.0.0.1:"
                        + postgres.port() + "/" + database + " as tracker as host 'alpha'"), alpha.output());

                // the live set of a live process, as it changes: three 32 MiB buffers held, then none
                ProcessBuilder holder = new ProcessBuilder("python3", "src/test/python/my_model.py");
                holder.environment().put("TRACKER_SOCKET", beta.socket().toString());
                // no job of its own, even where this test runs inside a CI job
                holder.environment().keySet().removeIf(name -> name.startsWith("GITHUB_")
                        || name.startsWith("TRACKER_TAG_"));
                try (ChildProcess model = ChildProcess.start(holder)) {
                    Poll.until(Duration.ofSeconds(30), () -> FleetLoad.central(postgres, database,
                                    "SELECT COALESCE(SUM(s.entries), 0) FROM live_segments s JOIN processes p"
                                            + " ON p.host_id = s.host_id AND p.id = s.process_id"
                                            + " WHERE p.pid = " + model.process().pid()) == 3,
                            () -> "the live set of the holding process in the store\n" + beta.output());
                    model.closeStdin();
                    Poll.until(Duration.ofSeconds(30), () -> FleetLoad.central(postgres, database,
                                    "SELECT COUNT(*) FROM live_segments") == 0
                                    && FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM reaps") == 3,
                            () -> "its live set gone from the store once it was reaped\n" + beta.output());
                }

                List<String> queries = readmeQueries();
                assertEquals(3, queries.size(), "the README's Fleet store section shows three SQL queries");
                // leaked bytes per CI job over the last 7 days
                assertEquals(List.of(List.of("build-b", "1", Long.toString(leakedBytes(3000, 7))),
                                List.of("build-a", "1", Long.toString(leakedBytes(3000, 5)))),
                        FleetLoad.centralRows(postgres, database, queries.get(0)));
                // daily DRAM peak per host: both hosts, today, at least what the leaking client held at the end
                List<List<String>> peaks = FleetLoad.centralRows(postgres, database, queries.get(1));
                assertEquals(List.of("alpha", "beta"), peaks.stream().map(row -> row.get(0)).toList(), peaks.toString());
                assertTrue(Long.parseLong(peaks.get(0).get(2)) >= leakedBytes(3000, 5), peaks.toString());
                assertTrue(Long.parseLong(peaks.get(1).get(2)) >= leakedBytes(3000, 7), peaks.toString());
                // the commands that leak most often: the load client, twice, on two hosts; then my_model.py
                List<List<String>> commands = FleetLoad.centralRows(postgres, database, queries.get(2));
                assertEquals(2, commands.size(), commands.toString());
                assertTrue(commands.get(0).get(0).contains("fleet_load.py"), commands.toString());
                assertEquals(List.of("2", "2"), commands.get(0).subList(1, 3), commands.toString());
            } finally {
                assertEquals(0, alpha.stop(), alpha.output());
                assertEquals(0, beta.stop(), beta.output());
            }
        }
    }

    /** The ```sql blocks of the README's "Fleet store" section, in order. */
    static List<String> readmeQueries() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Fleet store");
        assertTrue(start >= 0, "README.md has a '## Fleet store' section");
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> queries = new ArrayList<>();
        Matcher block = Pattern.compile("```sql\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (block.find()) {
            queries.add(block.group(1));
        }
        return queries;
    }
}
