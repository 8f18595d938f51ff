package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tracker sql} on a fleet store ({@link ShippedFleet}): queries answer from the store's
 * own tables; every attempt to write, lock, reach a file or outlast the time limit is refused
 * with one line and its exit code, and leaves every table as it was.
 */
class FleetSqlTest {

    @TempDir
    static Path directory;

    static ShippedFleet fleet;

    @BeforeAll
    static void ship() throws Exception {
        fleet = ShippedFleet.start(directory);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    static Cli.Result sql(String query, String... more) {
        List<String> args = new ArrayList<>(List.of("sql", "--db", fleet.url));
        args.addAll(List.of(more));
        args.add(query);
        return Cli.onFile(args.toArray(String[]::new));
    }

    /** Every table of the store with its row count, and the hosts' id sequence: what no query may change. */
    static Map<String, Long> state() throws SQLException {
        Map<String, Long> state = new LinkedHashMap<>();
        try (Connection admin = fleet.connect(); Statement statement = admin.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT table_schema || '.' || table_name FROM"
                    + " information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                    + " ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    state.put(table, rs.getLong(1));
                }
            }
            try (ResultSet rs = statement.executeQuery("SELECT last_value FROM hosts_host_id_seq")) {
                rs.next();
                state.put("hosts_host_id_seq", rs.getLong(1));
            }
            try (ResultSet rs = statement.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
                rs.next();
                state.put("default_transaction_read_only=" + rs.getString(1), 0L);
            }
        }
        return state;
    }

    @Test
    void aQueryAnswersFromTheStoresTables() {
        Cli.Result leaks = sql("SELECT h.host_name, r.buffers, r.buffer_bytes, r.reason FROM reaps r"
                + " JOIN hosts h USING (host_id) ORDER BY h.host_name", "--format", "csv");
        assertEquals(ExitCode.OK, leaks.exit(), leaks.err());
        assertEquals("host_name,buffers,buffer_bytes,reason\n"
                + "alpha,3," + leaked(3) + ",EXITED\n"
                + "beta,4," + leaked(4) + ",EXITED\n", leaks.out());
        // times as instants, booleans as booleans, as on a host's own database
        Cli.Result json = sql("SELECT host_name, last_shipped_at >= first_shipped_at AS ordered,"
                + " TIMESTAMPTZ '2026-01-05 10:00:00.25+02' AS at FROM hosts ORDER BY host_name", "--format", "json");
        assertEquals(ExitCode.OK, json.exit(), json.err());
        assertEquals("[{\"host_name\":\"alpha\",\"ordered\":true,\"at\":\"2026-01-05T08:00:00.250Z\"},"
                + "{\"host_name\":\"beta\",\"ordered\":true,\"at\":\"2026-01-05T08:00:00.250Z\"}]",
                json.out().replaceAll("\\s", ""));
        // a trailing semicolon is one statement; a table like any other
        Cli.Result table = sql("SELECT COUNT(*) AS hosts FROM hosts;");
        assertEquals(ExitCode.OK, table.exit(), table.err());
        assertEquals(List.of("HOSTS", "    2"), table.out().lines().map(String::stripTrailing).toList());
    }

    /** What a fleet_load.py client leaks: its last LEAK of ALLOCS allocations, sized 4096 * (1 + n % 7). */
    private static long leaked(int leak) {
        long bytes = 0;
        for (int n = ShippedFleet.ALLOCS - leak; n < ShippedFleet.ALLOCS; n++) {
            bytes += 4096L * (1 + n % 7);
        }
        return bytes;
    }

    @Test
    void rowsStreamPastTheFetchSizeAndStopAtTheRowLimit() {
        Cli.Result rows = sql("SELECT n FROM generate_series(1, 5000) AS n", "--format", "csv");
        assertEquals(ExitCode.OK, rows.exit(), rows.err());
        List<String> lines = rows.out().lines().toList();
        assertEquals(5001, lines.size());
        assertEquals(List.of("n", "1", "5000"), List.of(lines.get(0), lines.get(1), lines.get(5000)));
        Cli.Result limited = sql("SELECT n FROM generate_series(1, 5000) AS n", "--format", "csv", "--max-rows",
                "1200");
        assertEquals(ExitCode.UNAVAILABLE, limited.exit());
        assertEquals("tracker: the query has more than 1200 rows; stopped\n", limited.err());
    }

    @Test
    void writesLocksFilesAndSettingsAreRefusedAndChangeNothing() throws Exception {
        Path copy = Path.of("/tmp", "tracker-fleet-copy-" + UUID.randomUUID() + ".csv");
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("DROP TABLE reaps", "refused: DROP is not a query;");
        refused.put("INSERT INTO host_counters VALUES (1, 'x', 1)", "refused: INSERT is not a query;");
        refused.put("WITH d AS (DELETE FROM reaps RETURNING *) SELECT * FROM d", "refused: DELETE changes rows");
        refused.put("WITH u AS (UPDATE hosts SET host_name = 'x' RETURNING 1) SELECT * FROM u",
                "refused: UPDATE changes rows");
        refused.put("SELECT 1; DROP TABLE reaps", "refused: more than one statement;");
        refused.put("SELECT 1 /* ; */; DROP TABLE reaps", "refused: more than one statement;");
        refused.put("SELECT * FROM reaps FOR UPDATE", "refused: FOR UPDATE locks rows");
        refused.put("SELECT * FROM reaps FOR KEY SHARE", "refused: FOR KEY locks rows");
        refused.put("SELECT * FROM (SELECT * FROM hosts FOR SHARE) h", "refused: FOR SHARE locks rows");
        refused.put("SELECT * INTO newtable FROM reaps", "refused: SELECT ... INTO makes a table");
        refused.put("COPY reaps TO '" + copy + "'", "refused: COPY is not a query;");
        refused.put("SET default_transaction_read_only = off", "refused: SET is not a query;");
        refused.put("EXPLAIN ANALYZE DELETE FROM reaps", "refused: DELETE is not a query;");
        // what the text check lets through, the READ ONLY transaction refuses on the server
        refused.put("SELECT nextval('hosts_host_id_seq')",
                "refused: cannot execute nextval() in a read-only transaction (tracker sql only reads)");
        refused.put("SELECT set_config('default_transaction_read_only', 'off', false), nextval('hosts_host_id_seq')",
                "refused: cannot execute nextval() in a read-only transaction");
        refused.put("SELECT set_config('transaction_read_only', 'off', false)",
                "refused: transaction read-write mode must be set before any query");
        Map<String, Long> before = state();
        assertTrue(before.get("public.reaps") == 2 && before.get("public.usage_minutes") > 0, before.toString());
        for (Map.Entry<String, String> attack : refused.entrySet()) {
            Cli.Result result = sql(attack.getKey());
            assertEquals(ExitCode.USAGE, result.exit(), attack.getKey() + ": " + result.err());
            assertEquals(1, result.err().lines().count(), result.err());
            assertTrue(result.err().startsWith("tracker: " + attack.getValue()), attack.getKey() + ": "
                    + result.err());
            assertEquals("", result.out(), attack.getKey());
            assertEquals(before, state(), attack.getKey());
        }
        assertFalse(Files.exists(copy), copy.toString());
    }

    @Test
    void literalsQuotedNamesAndCommentsHideNothing() {
        // a semicolon or a keyword inside a literal, an E'' string, a dollar quote, a quoted name or a comment
        Cli.Result result = sql("SELECT 'a;DROP TABLE reaps' AS s, E'\\';DELETE FROM reaps;--' AS e,"
                + " $q$; INSERT INTO x $q$ AS d, 1 AS \"for update\" -- ; DROP TABLE reaps\n", "--format", "csv");
        assertEquals(ExitCode.OK, result.exit(), result.err());
        assertEquals("s,e,d,for update\na;DROP TABLE reaps,';DELETE FROM reaps;--,; INSERT INTO x ,1\n",
                result.out());
    }

    @Test
    void aQueryBeyondItsTimeIsCancelledOnTheServer() throws Exception {
        long started = System.nanoTime();
        Cli.Result slow = sql("SELECT pg_sleep(60)", "--timeout", "2s");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(ExitCode.UNAVAILABLE, slow.exit(), slow.err());
        assertEquals("tracker: the query ran longer than 2 s and was cancelled on the server\n", slow.err());
        assertTrue(tookMs >= 2_000 && tookMs < 15_000, tookMs + " ms");
        // nothing of it runs on: the session is gone, or idle
        assertEquals(0, fleet.count("SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE 'SELECT pg_sleep%'"));
    }

    @Test
    void theRolesPrivilegesAreTheWall() throws Exception {
        // a role that may only read the store's tables, as the README recommends
        String password = "pw-" + UUID.randomUUID();
        try (Connection admin = fleet.connect(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE fleet_reader LOGIN PASSWORD '" + password + "'");
            statement.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO fleet_reader");
        }
        String reader = "postgresql://fleet_reader:" + password + "@127.0.0.1:" + fleet.server.port() + "/"
                + fleet.database;
        Cli.Result count = Cli.onFile("sql", "--db", reader, "--format", "csv", "SELECT COUNT(*) AS n FROM reaps");
        assertEquals(ExitCode.OK, count.exit(), count.err());
        assertEquals("n\n2\n", count.out());
        Cli.Result file = Cli.onFile("sql", "--db", reader, "SELECT pg_read_file('/etc/hostname')");
        assertEquals(ExitCode.USAGE, file.exit(), file.err());
        assertEquals("tracker: refused: permission denied for function pg_read_file (tracker sql only reads)\n",
                file.err());
        // a READ ONLY transaction lets a superuser write a server file from a large object: the role may not
        Path exported = Path.of("/tmp", "tracker-fleet-export-" + UUID.randomUUID());
        Cli.Result export = Cli.onFile("sql", "--db", reader, "SELECT lo_export(4242, '" + exported + "')");
        assertEquals(ExitCode.USAGE, export.exit(), export.err());
        assertEquals("tracker: refused: permission denied for function lo_export (tracker sql only reads)\n",
                export.err());
        assertFalse(Files.exists(exported), exported.toString());
        Cli.Result server = Cli.onFile("sql", "--db", reader, "SELECT pg_reload_conf()");
        assertEquals(ExitCode.USAGE, server.exit(), server.err());
        assertEquals("tracker: refused: permission denied for function pg_reload_conf (tracker sql only reads)\n",
                server.err());
    }

    @Test
    void hostIsAUsageErrorForSql() {
        Cli.Result result = sql("SELECT 1", "--host", "alpha");
        assertEquals(ExitCode.USAGE, result.exit());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().contains("pick hosts in the query"), result.err());
        assertFalse(result.err().contains(fleet.server.password()), result.err());
    }
}
