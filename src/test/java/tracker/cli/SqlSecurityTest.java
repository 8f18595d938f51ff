package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tracker.proc.ProcFs;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.Await;
import tracker.testing.Segments;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.WireVersion;

/**
 * {@code tracker sql} as a hostile member of the socket's group would use it: every attack,
 * through a running daemon (its command socket, as the CLI reaches it) and on the file with
 * no daemon. Each must exit as documented with one line, and leave the schema, the users and
 * every table's row count as they were, no file created, none read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlSecurityTest {

    private static final long DEAD_PROCESS_ID = 1_000_000;
    private static final String SECRET = "secret-" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path directory;

    private Path live;
    private Path offline;
    private Path secret;
    private Path targets;
    private TestDaemon daemon;
    /** The file as every attack on it must leave it (nothing else writes it). */
    private SqlDatabaseState offlineBefore;

    /** One attack: {secret}, {target} and {db} in the text are replaced per run. */
    record Attack(String name, String sql, int exit) {
        @Override
        public String toString() {
            return name;
        }

        String text(Path secret, Path target, Path database) {
            return sql.replace("{secret}", secret.toString()).replace("{target}", target.toString())
                    .replace("{db}", database.toString());
        }
    }

    static Stream<Attack> attacks() {
        return Stream.of(
                new Attack("control: a plain query", "SELECT COUNT(*) FROM processes", 0),
                new Attack("a second statement", "SELECT 1; DROP TABLE processes", 2),
                new Attack("DROP TABLE", "DROP TABLE processes", 2),
                new Attack("DELETE", "DELETE FROM reaps", 2),
                new Attack("UPDATE", "UPDATE counters SET total = 0", 2),
                new Attack("data change delta table", "SELECT * FROM FINAL TABLE (UPDATE counters SET total = 0)", 2),
                new Attack("FILE_READ", "SELECT FILE_READ('{secret}')", 2),
                new Attack("CSVREAD", "SELECT * FROM CSVREAD('{secret}')", 2),
                new Attack("RUNSCRIPT", "RUNSCRIPT FROM '{secret}'", 2),
                new Attack("CALL CSVWRITE", "CALL CSVWRITE('{target}', 'SELECT * FROM processes')", 2),
                new Attack("SELECT CSVWRITE", "SELECT CSVWRITE('{target}', 'SELECT * FROM processes')", 2),
                new Attack("FILE_WRITE", "SELECT FILE_WRITE('x', '{target}')", 2),
                new Attack("SCRIPT TO", "SCRIPT TO '{target}'", 2),
                new Attack("BACKUP TO", "BACKUP TO '{target}'", 2),
                new Attack("LINK_SCHEMA with INIT", "SELECT * FROM LINK_SCHEMA('X', '',"
                        + " 'jdbc:h2:file:{db};INIT=DELETE FROM reaps', 'tracker', '', 'PUBLIC')", 2),
                new Attack("CREATE ALIAS", "CREATE ALIAS RUN FOR 'java.lang.Runtime.getRuntime'", 2),
                new Attack("SET (session)", "SET LOCK_TIMEOUT 100000", 2),
                new Attack("SET (database)", "SET EXCLUSIVE 1", 2),
                new Attack("CREATE TABLE", "CREATE TABLE evil (a INT)", 2),
                new Attack("CREATE LOCAL TEMPORARY TABLE", "CREATE LOCAL TEMPORARY TABLE evil (a INT)", 2),
                new Attack("CREATE SEQUENCE", "CREATE SEQUENCE evil", 2),
                new Attack("NEXT VALUE FOR", "SELECT NEXT VALUE FOR probe_seq", 2),
                new Attack("FOR UPDATE", "SELECT * FROM counters FOR UPDATE", 2),
                new Attack("FOR UPDATE in WITH", "WITH c AS (SELECT * FROM counters FOR UPDATE) SELECT * FROM c", 2),
                new Attack("FOR UPDATE in a subquery", "SELECT * FROM (SELECT * FROM counters FOR UPDATE)", 2),
                new Attack("EXPLAIN ANALYZE DELETE", "EXPLAIN ANALYZE DELETE FROM reaps", 2),
                new Attack("REPEAT a billion", "SELECT LENGTH(REPEAT('a',1000000000))", 2),
                new Attack("REPEAT of a computed count", "SELECT LENGTH(REPEAT('a', x)) FROM (VALUES 1000000000) t(x)", 2),
                new Attack("GRANT to itself", "GRANT ALL ON SCHEMA PUBLIC TO TRACKER_READER", 2),
                new Attack("ALTER USER ADMIN", "ALTER USER TRACKER_READER ADMIN TRUE", 2),
                new Attack("CREATE USER", "CREATE USER evil PASSWORD 'x' ADMIN", 2),
                new Attack("CANCEL_SESSION", "SELECT CANCEL_SESSION(1)", 2),
                new Attack("SHUTDOWN", "SHUTDOWN", 2),
                new Attack("CHECKPOINT", "CHECKPOINT", 2),
                new Attack("SET variable", "SELECT SET(@v, 1)", 2));
    }

    @BeforeAll
    void databases() throws Exception {
        secret = directory.resolve("secret.txt");
        Files.writeString(secret, SECRET + "\n");
        targets = Files.createDirectories(directory.resolve("targets"));
        offline = seed(directory.resolve("offline"));
        try (TestDaemon first = daemonWithTraffic(offline)) {
            first.flush();
        }
        offlineBefore = offlineState();
        live = seed(directory.resolve("live"));
        daemon = daemonWithTraffic(live);
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void throughTheDaemon(Attack attack) throws Exception {
        SqlDatabaseState before = liveState();
        Path target = targets.resolve("daemon-" + attack.name().replace(' ', '_'));
        Cli.Result result = Cli.throughDaemon(live, "sql", "--format", "csv", attack.text(secret, target, live));
        assertRefusedCleanly(attack, result, target);
        assertEquals(before, liveState(), "the database changed");
        // the daemon still answers and commits
        assertEquals(0, Cli.throughDaemon(live, "sql", "SELECT COUNT(*) FROM reaps").exit());
        daemon.flush();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void onTheFile(Attack attack) throws Exception {
        Path target = targets.resolve("file-" + attack.name().replace(' ', '_'));
        Cli.Result result = Cli.onFile("sql", "--db", offline.toString(), "--format", "csv",
                attack.text(secret, target, offline));
        assertRefusedCleanly(attack, result, target);
        assertEquals(offlineBefore, offlineState(), "the database changed");
    }

    @Test
    void theViewsOverJavaTableFunctionsAnswerForTheReader() throws Exception {
        String query = "SELECT (SELECT COUNT(*) FROM allocations) AS live, (SELECT COUNT(*) FROM reaped_allocations)"
                + " AS held, (SELECT SUM(records) FROM reap_totals) AS totals";
        assertEquals("live,held,totals\n4,3,3\n", Cli.throughDaemon(live, "sql", "--format", "csv", query).out());
        Cli.Result onFile = Cli.onFile("sql", "--db", offline.toString(), "--format", "csv", query);
        assertEquals("live,held,totals\n4,3,3\n", onFile.out(), onFile.err());
    }

    @Test
    void aJavaObjectColumnIsNeverDeserialized() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new ArrayList<>(List.of("deserialized")));
        }
        String query = "SELECT CAST(X'" + HexFormat.of().formatHex(bytes.toByteArray()) + "' AS JAVA_OBJECT) AS o";
        for (Cli.Result result : List.of(Cli.throughDaemon(live, "sql", "--format", "csv", query),
                Cli.onFile("sql", "--db", offline.toString(), "--format", "csv", query))) {
            assertEquals(0, result.exit(), result.err());
            assertEquals("o\n<" + bytes.size() + " bytes>\n", result.out());
        }
    }

    @Test
    void aQueryOverItsTimeFailsAloneWithExit3() throws Exception {
        String query = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 1000000000000) WHERE MOD(X, 7) = 3";
        long start = System.nanoTime();
        Cli.Result daemonResult = Cli.throughDaemon(live, "sql", "--timeout", "500ms", query);
        Cli.Result fileResult = Cli.onFile("sql", "--db", offline.toString(), "--timeout", "500ms", query);
        for (Cli.Result result : List.of(daemonResult, fileResult)) {
            assertEquals(ExitCode.UNAVAILABLE, result.exit(), result.err());
            assertEquals("tracker: the query ran longer than 500 ms and was stopped\n", result.err());
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
        assertEquals(0, Cli.throughDaemon(live, "sql", "SELECT 1").exit());
    }

    @Test
    void aCrossJoinStreamsUntilTheRowLimitAndFailsAlone() throws Exception {
        // 4^4 x 10^9 rows: only a lazily executed query gets to its first row
        String query = "SELECT a.buffer_id FROM allocations a, allocations b, allocations c, allocations d,"
                + " SYSTEM_RANGE(1, 1000000000)";
        Cli.Result result = Cli.throughDaemon(live, "sql", "--format", "csv", "--max-rows", "1000", query);
        assertEquals(ExitCode.UNAVAILABLE, result.exit(), result.err());
        assertEquals("tracker: the query has more than 1000 rows; stopped\n", result.err());
        assertEquals(1001, result.out().lines().count());
        Cli.Result table = Cli.onFile("sql", "--db", offline.toString(), query);
        assertEquals(ExitCode.UNAVAILABLE, table.exit(), table.err());
        assertTrue(table.err().startsWith("tracker: the query has more than 10000 rows for a table"), table.err());
        assertEquals(1, table.err().lines().count());
    }

    @Test
    void forUpdateNeverHoldsTheDaemonsCommits() throws Exception {
        // unrefused, this query would lock the counters every commit updates, for as long as it runs
        CompletableFuture<Cli.Result> locking = CompletableFuture.supplyAsync(() -> Cli.throughDaemon(live, "sql",
                "SELECT c.name FROM counters c, SYSTEM_RANGE(1, 1000000000) FOR UPDATE"));
        Await.until("the query is refused or running", () -> locking.isDone() || running("FOR UPDATE"));
        assertCommitsPromptly();
        Cli.Result result = locking.get();
        assertEquals(ExitCode.USAGE, result.exit(), result.err());
        assertEquals("tracker: refused: FOR UPDATE locks rows the daemon writes; tracker sql only reads\n",
                result.err());
    }

    @Test
    void aLongQueryDoesNotHoldTheDaemonsCommits() throws Exception {
        CompletableFuture<Cli.Result> slow = CompletableFuture.supplyAsync(() -> Cli.throughDaemon(live, "sql",
                "--timeout", "2s", "SELECT COUNT(*) FROM counters, SYSTEM_RANGE(1, 1000000000000)"));
        Await.until("the query runs", () -> running("SYSTEM_RANGE"));
        assertCommitsPromptly();
        assertEquals(ExitCode.UNAVAILABLE, slow.get().exit());
    }

    @Test
    void aFileWrittenBeforeTheReaderExistedIsRefusedUntilServeUpgradesIt() throws Exception {
        Path old = directory.resolve("old").resolve("tracker");
        Files.createDirectories(old.getParent());
        Flyway.configure().dataSource("jdbc:h2:file:" + old, "tracker", "").locations("classpath:db/migrations")
                .javaMigrations(new tracker.store.migration.V4__LiveRowsIntoSegments()).target("4").load().migrate();
        Cli.Result refused = Cli.onFile("sql", "--db", old.toString(), "SELECT 1");
        assertEquals(ExitCode.UNAVAILABLE, refused.exit(), refused.err());
        assertEquals(1, refused.err().lines().count());
        assertTrue(refused.err().contains("start 'tracker serve' on it once"), refused.err());
        try (Database upgraded = Database.open(old, Database.Access.READ_WRITE)) {
            // what serve does first
        }
        assertEquals("c1\n1\n", Cli.onFile("sql", "--db", old.toString(), "--format", "csv", "VALUES (1)").out());
    }

    private void assertRefusedCleanly(Attack attack, Cli.Result result, Path target) {
        assertEquals(attack.exit(), result.exit(), result.err());
        if (attack.exit() != 0) {
            assertEquals(1, result.err().lines().count(), result.err());
            assertTrue(result.err().startsWith("tracker: "), result.err());
            assertEquals("", result.out());
        }
        assertFalse(result.out().contains(SECRET) || result.err().contains(SECRET), "the secret file was read");
        assertFalse(Files.exists(target), "a file was written: " + target);
        try (Stream<Path> made = Files.list(targets)) {
            assertEquals(List.of(), made.toList(), "files were written");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sends an event and commits it: within a second, whatever any query does. */
    private void assertCommitsPromptly() throws Exception {
        long start = System.nanoTime();
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(3, 0x7000 + (start & 0xff) * 0x100, 64, 0), WireClient.free(3,
                    0x7000 + (start & 0xff) * 0x100));
            client.query(0);
        }
        daemon.flush();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "a commit took " + took);
    }

    /** Whether a session of the daemon's database is executing a statement containing {@code text}. */
    private boolean running(String text) {
        try (Connection admin = daemon.daemon().database().connection(); Statement statement = admin.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"
                     + " WHERE EXECUTING_STATEMENT LIKE '%" + text + "%' AND SESSION_ID <> SESSION_ID()")) {
            rows.next();
            return rows.getLong(1) > 0;
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private SqlDatabaseState liveState() throws Exception {
        try (Connection admin = daemon.daemon().database().connection()) {
            return SqlDatabaseState.of(admin);
        }
    }

    private SqlDatabaseState offlineState() throws Exception {
        try (Database database = Database.open(offline, Database.Access.READ_ONLY);
             Connection admin = database.connection()) {
            return SqlDatabaseState.of(admin);
        }
    }

    /** A database holding the records of a process that died while no daemon ran, and a sequence. */
    private static Path seed(Path under) throws Exception {
        Path database = under.resolve("db").resolve("tracker");
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        int deadPid = (int) exited.pid();
        long now = Times.micros(java.time.Instant.now());
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(new ProcessRow(DEAD_PROCESS_ID, deadPid, deadPid, 4242L, new ProcFs().bootId(), 0,
                    "pytest tests/test_matmul.py", now - 5_000_000, now - 1_000_000));
            batch.segments.addAll(Segments.snapshotsOf(List.of(
                    new LiveRow("BUFFER", 0, 0x10000, "DRAM", 1 << 20, 1, DEAD_PROCESS_ID, now - 4_000_000),
                    new LiveRow("BUFFER", 1, 0x10000, "L1", 4096, 2, DEAD_PROCESS_ID, now - 4_000_000),
                    new LiveRow("CB", 0, 0x10000, "L1", 2048, 1, DEAD_PROCESS_ID, now - 4_000_000))));
            new StoreWriter(db.jdbi()).write(batch);
            try (Connection admin = db.connection(); Statement statement = admin.createStatement()) {
                // not part of the schema: here to show that a query cannot advance a sequence
                statement.execute("CREATE SEQUENCE probe_seq");
            }
        }
        return database;
    }

    /** Starts the daemon (it reaps the dead process at start-up) and sends this JVM's allocations. */
    private static TestDaemon daemonWithTraffic(Path database) throws Exception {
        TestDaemon daemon = TestDaemon.start(TestDaemon.config(database.getParent().getParent(), WireVersion.V3));
        Cli.serveCommands(daemon.daemon());
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(0, 0x2000, 8192, 0), WireClient.alloc(0, 0x3000, 1024, 1),
                    WireClient.alloc(1, 0x2000, 512, 3), WireClient.alloc(2, 0x2000, 256, 0));
            client.query(0);
        }
        daemon.flush();
        return daemon;
    }
}
