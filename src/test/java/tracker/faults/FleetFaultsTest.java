package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;
import tracker.testing.PostgresServer;

/**
 * The shipper when things go wrong, against a real PostgreSQL and real daemons: the store
 * stopped or crashed under load, the daemon killed with SIGKILL mid-shipment, a wrong
 * password, an unreachable host, and retention while the store is behind. In every case
 * the store ends up with exactly the events the local file has, and local recording never
 * stops.
 */
class FleetFaultsTest {

    /** How long the store stays down under load (the daemon must ride it out). */
    static final Duration OUTAGE = Duration.ofSeconds(30);
    static final Duration CATCH_UP = Duration.ofSeconds(90);

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

    @BeforeEach
    void storeRunning() throws IOException {
        if (!postgres.running()) {
            postgres.startServer();
        }
    }

    private static ChildServe serve(Path directory, String url, String password, String hostName) throws Exception {
        Files.createDirectories(directory);
        return ChildServe.start(List.of("env", "PGPASSWORD=" + password), directory.resolve("tracker.sock"),
                directory.resolve("db").resolve("tracker"), "--commit-interval", "50ms", "--reap-interval", "200ms",
                "--ship-to", url, "--host-name", hostName);
    }

    private static long localEvents(ChildServe serve) {
        return ControlSocket.sqlLong(serve.database(), FleetLoad.LOCAL_EVENTS);
    }

    private static long centralEvents(String database, String host) {
        return FleetLoad.central(postgres, database, FleetLoad.centralEventsOf(host));
    }

    private static long lines(ChildServe serve, String text) {
        return serve.output().lines().filter(line -> line.contains(text)).count();
    }

    /** The store holds exactly what the local file holds: events, chunks, audit records. */
    private static void awaitStoreEqualsLocal(ChildServe serve, String database, String host, long events) {
        Poll.until(CATCH_UP, () -> centralEvents(database, host) == events && localEvents(serve) == events,
                () -> "the store to hold all " + events + " events; it holds " + centralEvents(database, host)
                        + ", the local file " + localEvents(serve) + "\n" + serve.output());
        String ofHost = " c JOIN hosts h ON h.host_id = c.host_id WHERE h.host_name = '" + host + "'";
        Poll.until(CATCH_UP, () -> FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM reaps" + ofHost)
                        == ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM reaps"),
                () -> "the audit records shipped\n" + serve.output());
        assertEquals(ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM event_chunks"),
                FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM event_chunks" + ofHost));
        assertEquals(ControlSocket.sqlLong(serve.database(), "SELECT MAX(id) FROM event_chunks"),
                FleetLoad.central(postgres, database, "SELECT shipped FROM ship_marks c JOIN hosts h"
                        + " ON h.host_id = c.host_id WHERE h.host_name = '" + host + "' AND table_name = 'event_chunks'"));
    }

    private static List<ChildProcess> load(ChildServe serve, int clients, int allocs, double seconds)
            throws IOException {
        List<ChildProcess> started = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            started.add(FleetLoad.client(serve.socket(), Map.of("GITHUB_JOB", "load"), allocs, 100, i == 0 ? 3 : 0,
                    seconds));
        }
        return started;
    }

    @Test
    void storeStoppedUnderLoadThenRestartedGetsEveryEventOnce(@TempDir Path directory) throws Exception {
        String database = postgres.createDatabase();
        try (ChildServe serve = serve(directory, postgres.url(database), postgres.password(), "outage")) {
            List<ChildProcess> clients = load(serve, 3, 6_000, 2 * OUTAGE.toSeconds());
            try {
                Poll.until(CATCH_UP, () -> centralEvents(database, "outage") > 0, "shipping to start");
                postgres.stop();
                long atStop = localEvents(serve);
                // recording goes on while the store is away
                Poll.until(Duration.ofSeconds(30), () -> localEvents(serve) > atStop + 1_000,
                        () -> "local recording to go on without the store\n" + serve.output());
                Poll.until(Duration.ofSeconds(30), () -> lines(serve, "cannot ship to fleet store") > 0,
                        () -> "a line saying the store is away\n" + serve.output());
                Await.holdsFor(OUTAGE, () -> serve.process().isAlive(), () -> "the daemon up\n" + serve.output());
                assertTrue(ControlSocket.run(serve.database(), "stats", "--format", "json").orElseThrow().out()
                        .matches("(?s).*\"ship_lag_ms\" ?: ?[1-9]\\d{3,}.*"), "stats shows a ship lag of seconds");
                postgres.startServer();
                long events = FleetLoad.events(clients);
                awaitStoreEqualsLocal(serve, database, "outage", events);
                assertEquals(1, lines(serve, "reachable again"), serve.output());
                // one line per change of state, not per attempt (the shutdown, then refused connects every 0.5 to 5 s)
                assertEquals(1, lines(serve, "cannot ship to fleet store"), serve.output());
            } finally {
                clients.forEach(ChildProcess::close);
            }
            assertEquals(0, serve.stop(), serve.output());
        }
    }

    @Test
    void storeCrashMidShipmentLosesAndDoublesNothing(@TempDir Path directory) throws Exception {
        String database = postgres.createDatabase();
        try (ChildServe serve = serve(directory, postgres.url(database), postgres.password(), "crash")) {
            List<ChildProcess> clients = load(serve, 3, 6_000, 8);
            try {
                Poll.until(CATCH_UP, () -> centralEvents(database, "crash") > 0, "shipping to start");
                postgres.crash(); // SIGQUIT: no checkpoint; the restart recovers from the WAL
                postgres.startServer();
                long events = FleetLoad.events(clients);
                awaitStoreEqualsLocal(serve, database, "crash", events);
            } finally {
                clients.forEach(ChildProcess::close);
            }
        }
    }

    @Test
    void daemonKilledMidShipmentResumesWithoutDuplicates(@TempDir Path directory) throws Exception {
        String database = postgres.createDatabase();
        List<ChildProcess> clients = new ArrayList<>();
        try {
            try (ChildServe first = serve(directory, postgres.url(database), postgres.password(), "killed")) {
                clients.addAll(load(first, 3, 20_000, 10));
                Poll.until(CATCH_UP, () -> centralEvents(database, "killed") > 0, "shipping to start");
                first.kill9();
            }
            // the clients lose their daemon (EPIPE) and end; the restart reaps what they held
            for (ChildProcess client : clients) {
                client.process().waitFor();
            }
            try (ChildServe second = serve(directory, postgres.url(database), postgres.password(), "killed")) {
                long local = localEvents(second);
                assertTrue(local > 0, "the first daemon committed events");
                awaitStoreEqualsLocal(second, database, "killed", local);
                assertEquals(1, FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM hosts"));
                assertEquals(0, second.stop(), second.output());
            }
        } finally {
            clients.forEach(ChildProcess::close);
        }
    }

    @Test
    void wrongPasswordIsOneLineAndRetriesWhileRecordingGoesOn(@TempDir Path directory) throws Exception {
        String role = "shipper_" + Long.toHexString(System.nanoTime());
        postgres.execute("postgres", "CREATE ROLE " + role + " LOGIN PASSWORD 'right'");
        String database = postgres.createDatabase();
        postgres.execute("postgres", "ALTER DATABASE " + database + " OWNER TO " + role);
        String url = "postgresql://" + role + "@127.0.0.1:" + postgres.port() + "/" + database;
        try (ChildServe serve = serve(directory, url, "wrong", "pw")) {
            long events = FleetLoad.events(load(serve, 1, 2_000, 0));
            Poll.until(Duration.ofSeconds(30), () -> localEvents(serve) == events, "local recording");
            Poll.until(Duration.ofSeconds(30), () -> lines(serve, "password authentication failed") > 0,
                    () -> "a line naming the wrong password\n" + serve.output());
            // retries (0.5, 1, 2, 4 s apart) add no lines
            Await.holdsFor(Duration.ofSeconds(8), () -> lines(serve, "cannot ship to fleet store") == 1,
                    () -> "one line for the failure\n" + serve.output());
            assertEquals(1, lines(serve, "password authentication failed for user \"" + role + "\""), serve.output());
            // the retries reach the store once the password is the daemon's
            postgres.execute("postgres", "ALTER ROLE " + role + " PASSWORD 'wrong'");
            Poll.until(CATCH_UP, () -> centralEvents(database, "pw") == events,
                    () -> "the retry to ship once the password matches\n" + serve.output());
            // logged once the shipment committed: the rows may be seen first
            Poll.until(Duration.ofSeconds(10), () -> lines(serve, "reachable again") > 0,
                    () -> "a line saying shipping resumed\n" + serve.output());
            assertEquals(1, lines(serve, "reachable again"), serve.output());
            assertEquals(0, serve.stop(), serve.output());
        }
    }

    @Test
    void unreachableStoreIsOneLineAndRecordingGoesOn(@TempDir Path directory) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (ChildServe serve = serve(directory, "postgresql://tracker@127.0.0.1:" + closedPort + "/fleet", "x",
                "away")) {
            long events = FleetLoad.events(load(serve, 2, 2_000, 0));
            Poll.until(Duration.ofSeconds(30), () -> localEvents(serve) == events, "local recording");
            Poll.until(Duration.ofSeconds(30), () -> lines(serve, "cannot ship to fleet store") > 0,
                    () -> "a line saying the store cannot be reached\n" + serve.output());
            Await.holdsFor(Duration.ofSeconds(8), () -> lines(serve, "cannot ship to fleet store") == 1,
                    () -> "one line for the failure\n" + serve.output());
            assertTrue(serve.output().contains("127.0.0.1:" + closedPort), serve.output());
            assertEquals(0, serve.stop(), serve.output());
        }
    }

    @Test
    void pruneWaitsForUnshippedRecords(@TempDir Path directory) throws Exception {
        String database = postgres.createDatabase();
        postgres.stop();
        try (ChildServe serve = serve(directory, postgres.url(database), postgres.password(), "retained")) {
            long events = FleetLoad.events(load(serve, 2, 2_000, 0));
            Poll.until(Duration.ofSeconds(30), () -> localEvents(serve) == events
                            && ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM reaps") == 1,
                    () -> "local recording and the leak's reap\n" + serve.output());
            long chunks = ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM event_chunks");
            ControlSocket.Result pruned = ControlSocket.run(serve.database(), "prune", "--older-than", "1ms")
                    .orElseThrow();
            assertEquals(0, pruned.exit(), pruned.err());
            assertEquals(1, lines(serve, "prune: the fleet store is"), serve.output());
            // nothing unshipped went
            assertEquals(chunks, ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM event_chunks"));
            assertEquals(1, ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM reaps"));

            postgres.startServer();
            Poll.until(CATCH_UP, () -> centralEvents(database, "retained") == events,
                    () -> "the store to catch up\n" + serve.output());
            pruned = ControlSocket.run(serve.database(), "prune", "--older-than", "1ms").orElseThrow();
            assertEquals(0, pruned.exit(), pruned.err());
            // shipped, so pruned now; the store keeps its copy
            assertEquals(0, ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM event_chunks"));
            assertEquals(0, ControlSocket.sqlLong(serve.database(), "SELECT COUNT(*) FROM reaps"));
            assertEquals(events, centralEvents(database, "retained"));
            assertEquals(1, lines(serve, "prune: the fleet store is"), serve.output());
            assertEquals(0, serve.stop(), serve.output());
        }
    }
}
