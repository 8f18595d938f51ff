package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;
import tracker.testing.PostgresServer;

/**
 * The query commands, run as a user runs them (the CLI in a process of its own, the password
 * in PGPASSWORD or a pgpass file), on what two real daemons shipped into one PostgreSQL fleet
 * store: each host's leaking client, reaped there and shipped.
 */
class FleetQueryShipTest {

    private static final int ALLOCS = 300;
    private static final int ALPHA_LEAK = 3;
    private static final int BETA_LEAK = 4;

    @TempDir
    static Path directory;

    private static PostgresServer postgres;
    private static String database;
    private static String url;

    @BeforeAll
    static void twoDaemonsShipTheirLeaks() throws Exception {
        postgres = PostgresServer.start();
        database = postgres.createDatabase();
        url = postgres.url(database);
        try (ChildServe alpha = FleetShipTest.serve(directory.resolve("a"), postgres, url, "alpha");
             ChildServe beta = FleetShipTest.serve(directory.resolve("b"), postgres, url, "beta")) {
            FleetLoad.events(List.of(
                    FleetLoad.client(alpha.socket(), Map.of("TRACKER_TAG_job", "a"), ALLOCS, 20, ALPHA_LEAK, 1.5),
                    FleetLoad.client(beta.socket(), Map.of("TRACKER_TAG_job", "b"), ALLOCS, 20, BETA_LEAK, 1.5)));
            Poll.until(Duration.ofSeconds(60),
                    () -> FleetLoad.central(postgres, database, "SELECT COUNT(*) FROM reaps") == 2
                            && FleetLoad.central(postgres, database,
                            "SELECT COUNT(*) FROM processes WHERE ended_at IS NULL") == 0,
                    () -> "both leaks reaped and shipped\n" + alpha.output() + beta.output());
            assertEquals(0, alpha.stop(), alpha.output());
            assertEquals(0, beta.stop(), beta.output());
        }
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    record Run(int exit, List<String> out, String err) {
    }

    /** {@code tracker ARGS} in a process of its own, with {@code environment} added. */
    private static Run tracker(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ChildServe.java(), "-cp", ChildServe.classpath(),
                "tracker.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("PGPASSWORD");
        builder.environment().remove("PGPASSFILE");
        builder.environment().put("HOME", directory.toString()); // no ~/.pgpass but the test's
        builder.environment().putAll(environment);
        try (ChildProcess cli = ChildProcess.start(builder)) {
            assertTrue(cli.process().waitFor(60, TimeUnit.SECONDS), "tracker " + String.join(" ", args));
            int exit = cli.process().exitValue();
            // the output is read by threads of its own: wait for them to reach the end
            Poll.until(Duration.ofSeconds(10), () -> !cli.stdout().isEmpty() || !cli.stderr().isEmpty(),
                    "the CLI's output");
            return new Run(exit, cli.stdout(), String.join("\n", cli.stderr()));
        }
    }

    private static Map<String, String> password() {
        return Map.of("PGPASSWORD", postgres.password());
    }

    @Test
    void leaksOfBothHostsWithTheirHostAndBytes() throws Exception {
        Run leaks = tracker(password(), "leaks", "--db", url, "--format", "csv");
        assertEquals(1, leaks.exit(), leaks.err());
        assertTrue(leaks.out().get(0).startsWith("host,pid,state,"), leaks.out().toString());
        assertEquals(3, leaks.out().size(), leaks.out().toString());
        // in the command's own order (by reap time) across the hosts
        String alpha = leaks.out().stream().filter(line -> line.startsWith("alpha,")).findFirst().orElseThrow();
        String beta = leaks.out().stream().filter(line -> line.startsWith("beta,")).findFirst().orElseThrow();
        assertTrue(alpha.contains("," + FleetShipTest.leakedBytes(ALLOCS, ALPHA_LEAK) + ",") && alpha.contains(",job=a,"),
                alpha);
        assertTrue(beta.contains("," + FleetShipTest.leakedBytes(ALLOCS, BETA_LEAK) + ",") && beta.contains(",job=b,"),
                beta);

        Run onBeta = tracker(password(), "leaks", "--db", url, "--host", "beta", "--tag", "job=b");
        assertEquals(1, onBeta.exit(), onBeta.err());
        assertTrue(onBeta.out().get(0).startsWith("HOST "), onBeta.out().toString());
        assertEquals(2, onBeta.out().size(), onBeta.out().toString());
        assertTrue(onBeta.out().get(1).startsWith("beta "), onBeta.out().toString());
        Run junit = tracker(password(), "leaks", "--db", url, "--format", "junit");
        assertEquals(1, junit.exit(), junit.err());
        String report = String.join("\n", junit.out());
        assertTrue(report.contains("<testsuites name=\"tracker leaks\" tests=\"2\" failures=\"2\""), report);
        assertTrue(report.contains("name=\"alpha: pid ") && report.contains("name=\"beta: pid "), report);
        Run none = tracker(password(), "leaks", "--db", url, "--host", "alpha", "--tag", "job=b");
        assertEquals(0, none.exit(), none.err());
        assertEquals(List.of("No leaks."), none.out());
    }

    @Test
    void psAndAuditPerHost() throws Exception {
        Run ps = tracker(password(), "ps", "--all", "--db", url, "--host", "alpha", "--format", "csv");
        assertEquals(0, ps.exit(), ps.err());
        assertEquals(2, ps.out().size(), ps.out().toString());
        assertTrue(ps.out().get(1).startsWith("alpha,") && ps.out().get(1).contains("ended (exited)"),
                ps.out().toString());
        Run audit = tracker(password(), "audit", "--db", url);
        assertEquals(0, audit.exit(), audit.err());
        assertTrue(audit.out().stream().anyMatch(line -> line.startsWith("Reap 1 on alpha: pid ")), audit.out().toString());
        assertTrue(audit.out().stream().anyMatch(line -> line.startsWith("Reap 1 on beta: pid ")), audit.out().toString());
    }

    @Test
    void hostsAndStatsShowTheShipLag() throws Exception {
        Run hosts = tracker(password(), "hosts", "--db", url, "--format", "csv");
        assertEquals(0, hosts.exit(), hosts.err());
        assertEquals("host,machine_id,last_shipped_at,caught_up_at,lag_ms", hosts.out().get(0));
        assertEquals(List.of("alpha", "beta"), hosts.out().subList(1, 3).stream().map(l -> l.split(",")[0]).toList());
        for (String line : hosts.out().subList(1, 3)) {
            long lag = Long.parseLong(line.substring(line.lastIndexOf(',') + 1));
            assertTrue(lag >= 0 && lag < 10 * 60_000, line);
        }
        Run stats = tracker(password(), "stats", "--db", url, "--format", "json");
        assertEquals(0, stats.exit(), stats.err());
        String json = String.join("\n", stats.out());
        assertTrue(json.contains("\"hosts\""), json);
        assertTrue(json.contains("\"lag_ms\""), json);
        assertTrue(json.contains("\"reaps\" : 2"), json);
        assertTrue(json.contains("\"malformed_frames\" : 0"), json); // the hosts' own counters, shipped
    }

    @Test
    void thePasswordMayComeFromAPgpassFile() throws Exception {
        Path pgpass = directory.resolve("pgpass");
        Files.writeString(pgpass, "127.0.0.1:" + postgres.port() + ":" + database + ":" + PostgresServer.USER + ":"
                + postgres.password() + "\n");
        Files.setPosixFilePermissions(pgpass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Run hosts = tracker(Map.of("PGPASSFILE", pgpass.toString()), "hosts", "--db", url);
        assertEquals(0, hosts.exit(), hosts.err());
        assertEquals(3, hosts.out().size(), hosts.out().toString());
    }

    @Test
    void aWrongPasswordIsOneLineAndExit3() throws Exception {
        Run ps = tracker(Map.of("PGPASSWORD", "wrong-" + postgres.password()), "ps", "--db", url);
        assertEquals(3, ps.exit(), ps.err());
        assertEquals(List.of(), ps.out());
        assertEquals(1, ps.err().lines().count(), ps.err());
        assertTrue(ps.err().startsWith("tracker: cannot connect to the fleet store " + url + ": password authentication"
                + " failed"), ps.err());
        assertFalse(ps.err().contains(postgres.password()), ps.err());
    }
}
