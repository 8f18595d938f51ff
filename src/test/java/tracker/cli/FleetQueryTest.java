package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.PostgresServer;

/**
 * The query commands on a fleet store: a real PostgreSQL server holding two hosts' records,
 * each copied from a database file the tracker wrote and reaped ({@link HoldingProcesses}:
 * one dead process, reaped, and one live).
 */
class FleetQueryTest {

    @TempDir
    static Path directory;

    static PostgresServer server;
    static String url;
    static String database;

    /** The store's URL with {@code password} in it. */
    static String urlWith(String password) {
        return "postgresql://" + PostgresServer.USER + ":" + password + "@127.0.0.1:" + server.port() + "/" + database;
    }

    @BeforeAll
    static void twoHostsShipped() throws Exception {
        server = PostgresServer.start();
        database = server.createDatabase();
        // the schema as the shipper makes it (tracker.fleet.FleetConnection)
        Flyway.configure().dataSource("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + database,
                        PostgresServer.USER, server.password())
                .locations("classpath:db/migrations/fleet").sqlMigrationPrefix("F").table("fleet_schema_history")
                .load().migrate();
        try (Connection fleet = server.connect(database)) {
            for (String host : List.of("alpha", "beta")) {
                Path local = directory.resolve(host).resolve("tracker");
                java.nio.file.Files.createDirectories(local.getParent(),
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                HoldingProcesses.seed(local, HoldingProcesses.pidOfExitedProcess());
                assertEquals(0, Cli.onFile("reap", "--db", local.toString()).exit());
                FleetRows.ship(local, fleet, host);
            }
            try (Statement statement = fleet.createStatement()) {
                // beta's copy was last caught up an hour ago: its lag shows
                statement.execute("UPDATE hosts SET caught_up_at = now() - interval '1 hour' WHERE host_name = 'beta'");
                statement.execute("UPDATE hosts SET caught_up_at = now() WHERE host_name = 'alpha'");
                // what the hosts' daemons counted, which no row gives
                statement.execute("INSERT INTO host_counters (host_id, name, total) SELECT host_id, 'malformed_frames',"
                        + " CASE host_name WHEN 'alpha' THEN 2 ELSE 3 END FROM hosts");
            }
        }
        url = urlWith(server.password());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static List<String> lines(Cli.Result result) {
        return result.out().lines().toList();
    }

    @Test
    void psListsBothHostsProcessesWithTheirHostFirst() {
        Cli.Result ps = Cli.onFile("ps", "--all", "--db", url, "--format", "csv");
        assertEquals(0, ps.exit(), ps.err());
        List<String> lines = lines(ps);
        assertTrue(lines.get(0).startsWith("host,pid,state,"), lines.get(0));
        assertEquals(4, lines.size() - 1, ps.out());
        assertEquals(2, lines.stream().filter(line -> line.startsWith("alpha,")).count(), ps.out());
        assertEquals(2, lines.stream().filter(line -> line.startsWith("beta,")).count(), ps.out());
        assertTrue(ps.out().contains(HoldingProcesses.LIVE_COMMAND), ps.out());
    }

    @Test
    void hostOptionKeepsOnlyThatHost() {
        Cli.Result ps = Cli.onFile("ps", "--all", "--db", url, "--host", "beta", "--format", "csv");
        assertEquals(0, ps.exit(), ps.err());
        List<String> rows = lines(ps).subList(1, lines(ps).size());
        assertEquals(2, rows.size(), ps.out());
        assertTrue(rows.stream().allMatch(row -> row.startsWith("beta,")), ps.out());
        Cli.Result both = Cli.onFile("ps", "--all", "--db", url, "--host", "beta", "--host", "alpha", "--format",
                "csv");
        assertEquals(5, lines(both).size(), both.out());
    }

    @Test
    void unknownHostIsAUsageErrorNamingTheKnownOnes() {
        Cli.Result ps = Cli.onFile("ps", "--db", url, "--host", "gamma");
        assertEquals(ExitCode.USAGE, ps.exit());
        assertEquals(1, ps.err().lines().count(), ps.err());
        assertTrue(ps.err().contains("gamma") && ps.err().contains("alpha, beta"), ps.err());
    }

    @Test
    void leaksGatesOnEveryHostAndTellsWhichLeaked() {
        Cli.Result leaks = Cli.onFile("leaks", "--db", url, "--format", "csv");
        assertEquals(ExitCode.CHECK_FAILED, leaks.exit(), leaks.err());
        List<String> lines = lines(leaks);
        assertTrue(lines.get(0).startsWith("host,pid,state,"), lines.get(0));
        assertEquals(List.of("alpha", "beta"), lines.subList(1, lines.size()).stream()
                .map(line -> line.split(",")[0]).sorted().toList());
        long total = HoldingProcesses.DEAD.totalBytes();
        assertTrue(lines.get(1).contains("," + total + ","), leaks.out());

        Cli.Result table = Cli.onFile("leaks", "--db", url, "--host", "alpha");
        assertEquals(ExitCode.CHECK_FAILED, table.exit(), table.err());
        assertTrue(table.out().startsWith("HOST "), table.out());
        assertEquals(2, table.out().lines().count(), table.out());
        assertTrue(table.out().lines().skip(1).allMatch(line -> line.startsWith("alpha ")), table.out());
    }

    @Test
    void auditShowsEachReapWithItsHostAndItsHostsOwnId() {
        Cli.Result audit = Cli.onFile("audit", "--db", url, "--format", "json");
        assertEquals(0, audit.exit(), audit.err());
        assertTrue(audit.out().contains("\"host\":\"alpha\""), audit.out());
        assertTrue(audit.out().contains("\"host\":\"beta\""), audit.out());
        assertEquals(2, audit.out().split("\"reap_id\":1,", -1).length - 1, "each host's own reap id:\n" + audit.out());
        assertTrue(audit.out().contains("\"per_device\""), audit.out());

        Cli.Result table = Cli.onFile("audit", "--db", url, "--host", "beta", "--pid",
                String.valueOf(onlyDeadPid("beta")));
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains(" on beta: pid "), table.out());
        assertTrue(table.out().contains("held:"), table.out());
    }

    private static int onlyDeadPid(String host) {
        Cli.Result audit = Cli.onFile("audit", "--db", url, "--host", host, "--format", "csv");
        return Integer.parseInt(lines(audit).get(1).split(",")[2]);
    }

    @Test
    void dumpGroupsTheLiveRecordsPerHost() {
        Cli.Result dump = Cli.onFile("dump", "--db", url);
        assertEquals(0, dump.exit(), dump.err());
        assertTrue(dump.out().startsWith("Host alpha:\nDevice 0:"), dump.out());
        assertTrue(dump.out().contains("\nHost beta:\nDevice 0:"), dump.out());
        Cli.Result csv = Cli.onFile("dump", "--db", url, "--host", "alpha", "--format", "csv");
        List<String> lines = lines(csv);
        assertTrue(lines.get(0).startsWith("host,pid,device_id,"), lines.get(0));
        assertEquals(6, lines.size() - 1, csv.out()); // the live process's 3 buffers, 2 CBs, 1 kernel
    }

    @Test
    void historyOfABufferShowsEachHostsReapOfIt() {
        Cli.Result history = Cli.onFile("history", "--db", url, "--buffer", "0x10000", "--format", "csv");
        assertEquals(0, history.exit(), history.err());
        List<String> lines = lines(history);
        assertTrue(lines.get(0).startsWith("host,time,pid,event,"), lines.get(0));
        // the dead process held a buffer on devices 0 and 1 and a CB at 0x10000: its reap removed all three
        assertEquals(List.of("alpha", "alpha", "alpha", "beta", "beta", "beta"), lines.subList(1, lines.size())
                .stream().map(line -> line.split(",")[0]).sorted().toList(), history.out());
        Cli.Result table = Cli.onFile("history", "--db", url, "--buffer", "0x10000", "--host", "beta");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().startsWith("HOST "), table.out());
        assertEquals(3, table.out().lines().filter(line -> line.startsWith("beta ")).count(), table.out());
        assertEquals(4, table.out().lines().count(), table.out());
    }

    @Test
    void statsGivesPerHostDevicesAndShipLag() {
        Cli.Result stats = Cli.onFile("stats", "--db", url, "--format", "csv");
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().startsWith("host,section,name,device_id,kind,type,value\n"), stats.out());
        assertTrue(stats.out().contains("\nalpha,device,records,0,BUFFER,DRAM,2\n"), stats.out());
        assertTrue(stats.out().contains("\nbeta,device,records,0,BUFFER,DRAM,2\n"), stats.out());
        assertTrue(stats.out().contains("\n,counter,reaps,,,,2\n"), stats.out());
        assertTrue(stats.out().contains("\n,counter,malformed_frames,,,,5\n"), stats.out());
        Cli.Result onBeta = Cli.onFile("stats", "--db", url, "--host", "beta", "--format", "csv");
        assertTrue(onBeta.out().contains("\n,counter,malformed_frames,,,,3\n"), onBeta.out());
        long betaLag = Long.parseLong(stats.out().lines().filter(line -> line.startsWith("beta,ship,lag_ms,"))
                .findFirst().orElseThrow().replaceAll(".*,", ""));
        assertTrue(betaLag >= 3_600_000 && betaLag < 3_700_000, stats.out());
        Cli.Result table = Cli.onFile("stats", "--db", url);
        assertTrue(table.out().contains("Shipping:"), table.out());
    }

    @Test
    void hostsListsEachHostWithItsLag() {
        Cli.Result hosts = Cli.onFile("hosts", "--db", url, "--format", "json");
        assertEquals(0, hosts.exit(), hosts.err());
        assertTrue(hosts.out().contains("\"host\":\"alpha\""), hosts.out());
        assertTrue(hosts.out().contains("\"machine_id\":\"beta-machine\""), hosts.out());
        Cli.Result table = Cli.onFile("hosts", "--db", url);
        List<String> lines = lines(table);
        assertTrue(lines.get(0).matches("HOST +MACHINE_ID +LAST_SHIPPED_AT +CAUGHT_UP_AT +LAG"), table.out());
        assertTrue(lines.get(2).startsWith("beta ") && lines.get(2).matches(".* 1h0[01]m$"), table.out());
    }

    @Test
    void aWrongPasswordIsOneLineAndExit3() {
        String wrong = urlWith("not-the-password");
        Cli.Result ps = Cli.onFile("ps", "--db", wrong);
        assertEquals(ExitCode.UNAVAILABLE, ps.exit());
        assertEquals(1, ps.err().lines().count(), ps.err());
        assertTrue(ps.err().contains("password authentication failed"), ps.err());
        assertFalse(ps.err().contains("not-the-password"), ps.err());
    }

    @Test
    void anUnreachableServerIsOneLineAndExit3() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Cli.Result leaks = Cli.onFile("leaks", "--db", "postgresql://tracker@127.0.0.1:" + closed + "/fleet");
        assertEquals(ExitCode.UNAVAILABLE, leaks.exit());
        assertEquals(1, leaks.err().lines().count(), leaks.err());
        assertTrue(leaks.err().startsWith("tracker: cannot connect to the fleet store postgresql://tracker@127.0.0.1:"
                + closed + "/fleet: "), leaks.err());
    }

    @Test
    void reapPruneAndCheckAreRefusedOnTheFleet() {
        for (String[] args : List.of(new String[] {"reap", "--db", url},
                new String[] {"prune", "--older-than", "1d", "--db", url}, new String[] {"check", "--db", url})) {
            Cli.Result refused = Cli.onFile(args);
            assertEquals(ExitCode.USAGE, refused.exit(), refused.err());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertTrue(refused.err().contains("not on the fleet store"), refused.err());
            assertFalse(refused.err().contains(server.password()), refused.err());
        }
    }

    @Test
    void hostOnALocalDatabaseAndHostsWithoutAFleetAreUsageErrors() {
        Path local = directory.resolve("alpha").resolve("tracker");
        Cli.Result ps = Cli.onFile("ps", "--db", local.toString(), "--host", "alpha");
        assertEquals(ExitCode.USAGE, ps.exit());
        assertTrue(ps.err().contains("--host picks hosts of a fleet store"), ps.err());
        Cli.Result hosts = Cli.onFile("hosts", "--db", local.toString());
        assertEquals(ExitCode.USAGE, hosts.exit());
        assertEquals(1, hosts.err().lines().count(), hosts.err());
    }
}
