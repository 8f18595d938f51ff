package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;
import tracker.proc.ProcFs;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.Segments;

/**
 * Option values on a real database: a bad one is a usage error, one line naming it, exit 2,
 * before anything is opened; a failure names what failed in one line, without Java's names.
 */
class OptionValuesTest {

    @TempDir
    Path directory;

    private Path database;
    private String db;

    /** A database holding one dead process's 1054720 bytes (1 MiB + 6 KiB), not yet reaped. */
    @BeforeEach
    void seedDatabase() throws Exception {
        database = directory.resolve("db").resolve("tracker");
        db = database.toString();
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        int deadPid = (int) exited.pid();
        long now = Times.micros(java.time.Instant.now());
        try (Database open = Database.open(database, Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(new ProcessRow(7, deadPid, deadPid, 4242L, new ProcFs().bootId(), 0,
                    "pytest t.py", now - 5_000_000, now - 1_000_000));
            batch.segments.addAll(Segments.snapshotsOf(List.of(
                    new LiveRow("BUFFER", 0, 0x10000, "DRAM", 1 << 20, 1, 7, now - 4_000_000),
                    new LiveRow("BUFFER", 1, 0x10000, "L1", 4096, 1, 7, now - 4_000_000),
                    new LiveRow("CB", 0, 0x10000, "L1", 2048, 1, 7, now - 4_000_000))));
            new StoreWriter(open.jdbi()).write(batch);
        }
        assertEquals(ExitCode.OK, Cli.onFile("reap", "--db", db).exit());
    }

    /** Exit 2, one line naming {@code named}, no Java class or exception in it. */
    private static void assertUsageError(String named, String... args) {
        Cli.Result result = Cli.onFile(args);
        String command = String.join(" ", args);
        assertEquals(ExitCode.USAGE, result.exit(), command + ": " + result.err());
        assertEquals(1, result.err().lines().count(), command + ": " + result.err());
        assertTrue(result.err().startsWith("tracker: "), command + ": " + result.err());
        assertTrue(result.err().contains(named), command + ": " + result.err());
        assertFalse(result.err().matches("(?s).*(Exception|java\\.|\\\\Q|\\^).*"), command + ": " + result.err());
        assertEquals("", result.out(), command);
    }

    @Test
    void badValuesAreOneUsageLineNamingTheOption() {
        assertUsageError("--pid", "history", "--db", db, "--pid", "-1");
        assertUsageError("--pid", "leaks", "--db", db, "--pid", "-1");
        assertUsageError("--pid", "dump", "--db", db, "--pid", "-5");
        assertUsageError("--device", "dump", "--db", db, "--device", "-3");
        assertUsageError("--device", "history", "--db", db, "--device", "-3");
        assertUsageError("--since", "history", "--db", db, "--since", "1h", "--until", "2h");
        assertUsageError("--since", "history", "--db", db, "--since", "107000000d");
        assertUsageError("--since", "leaks", "--db", db, "--since", "107000000d");
        assertUsageError("--older-than", "prune", "--db", db, "--older-than", "999999999999d");
        assertUsageError("--command", "leaks", "--db", db, "--command", "[abc");
        assertUsageError("--command", "leaks", "--db", db, "--command", "{a,{b}}");
        assertUsageError("--db", "dump", "--db", "");
        assertUsageError("--db", "dump", "--db=");
        assertUsageError("--max-bytes", "leaks", "--db", db, "--max-bytes", "-1");
        assertUsageError("--max-bytes", "leaks", "--db", db, "--max-bytes", "3 apples");
        assertUsageError("--kind", "dump", "--db", db, "--kind", "page");
        assertUsageError("--width", "ps", "--db", db, "--width", "0");
        assertUsageError("--width", "audit", "--db", db, "--width", "wide");
        assertUsageError("--buffer", "history", "--db", db, "--buffer", "0xZZ");
        assertUsageError("--timeout", "sql", "--db", db, "--timeout", "1h", "SELECT 1");
        assertUsageError("--socket-mode", "serve", "--db", directory.resolve("s").toString(), "--socket-mode", "999");
    }

    @Test
    void theUsageErrorComesBeforeTheDatabaseIsOpened() {
        String nowhere = directory.resolve("nothing").resolve("here").toString();
        assertUsageError("--since", "history", "--db", nowhere, "--since", "1h", "--until", "2h");
        assertUsageError("--older-than", "prune", "--db", nowhere, "--older-than", "0");
        assertFalse(Files.exists(directory.resolve("nothing")), "prune made no database");
    }

    @Test
    void anUnknownSocketGroupIsRefusedWhileTheCommandLineIsRead() {
        Path socket = directory.resolve("tracker.sock");
        assertUsageError("--socket-group", "serve", "--db", directory.resolve("s").resolve("t").toString(),
                "--socket", socket.toString(), "--socket-group", "nosuch-group-here");
        assertFalse(Files.exists(socket));
        assertFalse(Files.exists(directory.resolve("s")));
    }

    @Test
    void refusedAndFailingSqlQueriesAreStillUsageErrors() {
        Cli.Result write = Cli.onFile("sql", "--db", db, "DELETE FROM reaps");
        assertEquals(ExitCode.USAGE, write.exit(), write.err());
        Cli.Result wrong = Cli.onFile("sql", "--db", db, "SELECT nosuchcolumn FROM reaps");
        assertEquals(ExitCode.USAGE, wrong.exit(), wrong.err());
        assertEquals(1, wrong.err().lines().count(), wrong.err());
    }

    @Test
    void theFileOfADatabaseNamesTheDatabase() {
        Cli.Result byFile = Cli.onFile("audit", "--db", db + ".mv.db", "--format", "csv");
        assertEquals(ExitCode.OK, byFile.exit(), byFile.err());
        assertEquals(Cli.onFile("audit", "--db", db, "--format", "csv").out(), byFile.out());
        assertEquals(database.toAbsolutePath(), Main.databaseOf(new String[] {"dump", "--db", db + ".mv.db"}));
        assertEquals(database.toAbsolutePath(), Main.databaseOf(new String[] {"dump", "--db=" + db + ".mv.db"}));
        assertFalse(Files.exists(Path.of(db + ".mv.db.mv.db")));
    }

    @Test
    void sizesTakeUnits() {
        SizeConverter sizes = new SizeConverter();
        assertEquals(4096L, sizes.convert("4096"));
        assertEquals(512L << 20, sizes.convert("512MiB"));
        assertEquals(1L << 30, sizes.convert("1GiB"));
        assertEquals(1L << 30, sizes.convert("1 gib"));
        assertEquals(2_000_000_000L, sizes.convert("2GB"));
        assertEquals(64L << 10, sizes.convert("64KiB"));
        assertThrows(TypeConversionException.class, () -> sizes.convert("99999999999TiB"));
        assertThrows(TypeConversionException.class, () -> sizes.convert("1.5GiB"));
        // the dead process held 1 MiB + 6 KiB
        assertEquals(ExitCode.CHECK_FAILED, Cli.onFile("leaks", "--db", db, "--max-bytes", "1MiB").exit());
        assertEquals(ExitCode.OK, Cli.onFile("leaks", "--db", db, "--max-bytes", "2MiB").exit());
        assertEquals(ExitCode.OK, Cli.onFile("leaks", "--db", db, "--max-bytes", "1GiB").exit());
        assertEquals(ExitCode.CHECK_FAILED, Cli.onFile("leaks", "--db", db, "--max-bytes", "4096").exit());
    }

    @Test
    void zeroMeansKeepEverythingForRetentionSoPruneRefusesIt() {
        assertUsageError("--older-than", "prune", "--db", db, "--older-than", "0");
        assertEquals(1, Cli.onFile("audit", "--db", db, "--format", "csv").out().lines().count() - 1,
                "the reap is still there");
        String prune = Cli.onFile("prune", "--help").out().replaceAll("\\s+", " ");
        assertTrue(prune.contains("serve --retention 0 means 'keep everything'"), prune);
        String serve = Cli.onFile("serve", "--help").out().replaceAll("\\s+", " ");
        assertTrue(serve.contains("0 keeps everything (so 'tracker prune' refuses --older-than 0)"), serve);
        Cli.Result second = Cli.onFile("prune", "--db", db, "--older-than", "1s", "--format", "csv");
        assertEquals(ExitCode.OK, second.exit(), second.err());
    }

    @Test
    void failuresNameWhatFailedInOneLine() throws Exception {
        List<Cli.Result> failures = new ArrayList<>();
        Path empty = directory.resolve("empty");
        Files.createDirectories(empty);
        Files.setPosixFilePermissions(empty, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.createFile(empty.resolve("t.mv.db"));
        Cli.Result emptyFile = Cli.onFile("dump", "--db", empty.resolve("t").toString());
        assertTrue(emptyFile.err().contains("is empty"), emptyFile.err());
        failures.add(emptyFile);
        Files.write(empty.resolve("f.mv.db"), "not a database at all, just some text\n".repeat(200).getBytes());
        Cli.Result foreign = Cli.onFile("dump", "--db", empty.resolve("f").toString());
        assertTrue(foreign.err().contains(empty.resolve("f.mv.db").toString()), foreign.err());
        failures.add(foreign);
        Path socket = directory.resolve("no").resolve("such").resolve("dir").resolve("tracker.sock");
        Cli.Result noSocketDirectory = Cli.onFile("serve", "--db", directory.resolve("s").resolve("t").toString(),
                "--socket", socket.toString());
        assertTrue(noSocketDirectory.err().contains(socket.getParent().toString()), noSocketDirectory.err());
        failures.add(noSocketDirectory);
        for (Cli.Result failure : failures) {
            assertEquals(ExitCode.UNAVAILABLE, failure.exit(), failure.err());
            assertEquals(1, failure.err().lines().count(), failure.err());
            assertTrue(failure.err().startsWith("tracker: "), failure.err());
            assertFalse(failure.err().matches("(?s).*(Exception|java\\.|org\\.h2).*"), failure.err());
        }
    }

    @Test
    void anUnexpectedFailureIsDescribedInWords() {
        assertEquals("internal error (null pointer exception); run again with --verbose for details",
                TrackerCommand.describe(new NullPointerException()));
        assertEquals("disk on fire", TrackerCommand.describe(new RuntimeException(new IllegalStateException(
                "disk on fire\nat line 2"))));
    }
}
