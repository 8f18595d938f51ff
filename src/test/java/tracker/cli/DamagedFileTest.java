package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tracker.server.RolledBackDatabaseException;
import tracker.server.ServerConfig;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.DatabaseUnavailableException;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.ConfigVariants;
import tracker.testing.Segments;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.WireVersion;

/**
 * Damaged, truncated, foreign and rolled-back database files: every command either answers
 * with what was written or says what is wrong (exit 3, or 1 for {@code check}); none prints a
 * record nobody wrote, and no start takes such a file over. The damage is done to the file
 * itself, byte by byte, as a failing disk or a careless copy would.
 */
class DamagedFileTest {

    /** Buffers the client allocates: address 0x1000 * (i + 1), size 4096 + i. */
    private static final int BUFFERS = 300;
    private static final int FREED = 100;

    @TempDir
    Path directory;

    private Path database;
    /** "address size" of every buffer ever written */
    private final Set<String> written = new HashSet<>();

    @BeforeEach
    void writeADatabase() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3);
             WireClient client = WireClient.connect(daemon.socket())) {
            database = daemon.database();
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < BUFFERS; i++) {
                frames.add(WireClient.alloc(0, 0x1000L * (i + 1), 4096 + i, 0));
                written.add("0x" + Long.toHexString(0x1000L * (i + 1)) + " " + (4096 + i));
            }
            for (int i = 0; i < FREED; i++) {
                frames.add(WireClient.free(0, 0x1000L * (i + 1)));
            }
            client.send(frames.toArray(Frame[]::new));
            client.query(0);
            daemon.flush();
        }
        // a process that died holding memory, reaped on the file: its audit has holdings
        int deadPid = deadPid();
        try (Database file = Database.open(database, Database.Access.READ_WRITE)) {
            long seen = Times.micros(java.time.Instant.now());
            ProcessRow process = new ProcessRow(1000, deadPid, deadPid, 1L, new tracker.proc.ProcFs().bootId(), 0,
                    "dead worker", seen, seen);
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(process);
            List<LiveRow> rows = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                rows.add(new LiveRow("BUFFER", 1, 0x900000L + 0x100 * i, "L1", 2048 + i, 1, 1000, seen));
                written.add("0x" + Long.toHexString(0x900000L + 0x100 * i) + " " + (2048 + i));
            }
            batch.segments.addAll(Segments.snapshotsOf(rows));
            new StoreWriter(file.jdbi()).write(batch);
        }
        Cli.Result reap = Cli.onFile("reap", "--db", database.toString());
        assertEquals(0, reap.exit(), reap.err());
        assertEquals(0, Cli.onFile("check", "--db", database.toString()).exit(), "a sound file checks ok");
    }

    private static int deadPid() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        return (int) gone.pid();
    }

    private Path file() {
        return Database.fileOf(database);
    }

    /** Every "address size" a CSV output of dump or audit shows. */
    private static Set<String> shown(String csv, int idColumn, int sizeColumn) {
        Set<String> rows = new HashSet<>();
        csv.lines().skip(1).forEach(line -> {
            String[] cells = line.split(",");
            rows.add(cells[idColumn] + " " + cells[sizeColumn]);
        });
        return rows;
    }

    private void assertShowsOnlyWrittenRecords(Cli.Result dump) {
        if (dump.exit() == 0) {
            Set<String> rows = shown(dump.out(), DumpCommand.COLUMNS.indexOf("buffer_id"),
                    DumpCommand.COLUMNS.indexOf("size"));
            rows.removeAll(written);
            assertEquals(Set.of(), rows, "records nobody wrote");
        } else {
            assertEquals(3, dump.exit(), dump.err());
            assertEquals(1, dump.err().lines().count(), dump.err());
        }
    }

    /** The stored bytes of the first blob of {@code table}. */
    private byte[] storedBlob(String table) throws Exception {
        try (Database file = Database.open(database, Database.Access.READ_ONLY);
             Connection connection = file.connection();
             Statement sql = connection.createStatement();
             ResultSet rs = sql.executeQuery("SELECT data FROM " + table + " WHERE LENGTH(data) > 64 LIMIT 1")) {
            assertTrue(rs.next(), "a blob in " + table);
            return rs.getBytes(1);
        }
    }

    /** Flips 16 bytes in the middle of every copy of {@code blob} the file holds; returns how many copies. */
    private int flipInFile(byte[] blob) throws IOException {
        byte[] bytes = Files.readAllBytes(file());
        byte[] needle = java.util.Arrays.copyOfRange(blob, blob.length / 2 - 16, blob.length / 2 + 16);
        int copies = 0;
        for (int at = indexOf(bytes, needle, 0); at >= 0; at = indexOf(bytes, needle, at + 1)) {
            for (int i = 8; i < 24; i++) {
                bytes[at + i] ^= (byte) 0x5A;
            }
            copies++;
        }
        Files.write(file(), bytes);
        return copies;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void flippedBytesInAHistoryChunkAreNamedNotDecoded() throws Exception {
        assertTrue(flipInFile(storedBlob("event_chunks")) > 0, "the chunk's bytes are in the file");
        Cli.Result history = Cli.onFile("history", "--db", database.toString(), "--format", "csv");
        assertEquals(ExitCode.UNAVAILABLE, history.exit(), "an incomplete history never exits 0");
        assertTrue(history.err().startsWith("tracker: skipped history chunk"), history.err());
        assertTrue(history.err().contains("checksum"), history.err());
        Cli.Result table = Cli.onFile("history", "--db", database.toString());
        assertTrue(table.out().contains("damaged history chunks skipped"), table.out());
        for (String line : history.out().lines().skip(1).toList()) {
            String[] cells = line.split(",");
            assertTrue(written.contains(cells[5] + " " + cells[6]), "an event nobody sent: " + line);
        }
        Cli.Result check = Cli.onFile("check", "--db", database.toString());
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains("history chunk") && check.out().contains("checksum"), check.out());
    }

    @Test
    void flippedBytesInALiveSegmentAreNamedNotDecoded() throws Exception {
        assertTrue(flipInFile(storedBlob("live_segments")) > 0);
        Cli.Result dump = Cli.onFile("dump", "--db", database.toString(), "--format", "csv");
        assertEquals(3, dump.exit(), dump.out());
        assertTrue(dump.err().contains("live-set segment") && dump.err().contains("damaged"), dump.err());
        assertEquals("", dump.out());
        Cli.Result check = Cli.onFile("check", "--db", database.toString());
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains("live-set segment"), check.out());
        // nor does a daemon start on it and take made-up records for live ones
        tracker.store.CorruptBlobException refused = assertThrows(tracker.store.CorruptBlobException.class,
                () -> TestDaemon.start(directory, WireVersion.V3).close());
        assertTrue(refused.getMessage().contains("live-set segment"), refused.getMessage());
        Cli.Result serve = Cli.onFile("serve", "--db", database.toString(), "--socket",
                directory.resolve("s.sock").toString());
        assertEquals(ExitCode.UNAVAILABLE, serve.exit());
        assertEquals(1, serve.err().lines().count(), serve.err());
    }

    @Test
    void flippedBytesInReapHoldingsAreNamedNotDecoded() throws Exception {
        assertTrue(flipInFile(storedBlob("reap_holdings")) > 0);
        Cli.Result audit = Cli.onFile("audit", "--db", database.toString(), "--pid", Integer.toString(reapedPid()),
                "--format", "csv");
        assertEquals(3, audit.exit(), audit.out());
        assertTrue(audit.err().contains("holdings of reap"), audit.err());
        Cli.Result check = Cli.onFile("check", "--db", database.toString());
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains("holdings of reap"), check.out());
    }

    private int reapedPid() throws Exception {
        try (Database file = Database.open(database, Database.Access.READ_ONLY)) {
            return file.jdbi().withHandle(h -> h.createQuery("SELECT pid FROM reaps").mapTo(Integer.class).one());
        }
    }

    @ParameterizedTest(name = "truncated to {0}")
    @ValueSource(strings = {"0", "4096", "8192", "half", "all-but-last-page"})
    void truncatedFileIsNeverTakenOverNorReadAsSomethingElse(String length) throws Exception {
        long size = Files.size(file());
        long keep = switch (length) {
            case "half" -> size / 2;
            case "all-but-last-page" -> size - 4096;
            default -> Long.parseLong(length);
        };
        try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
            raf.setLength(keep);
        }
        assertShowsOnlyWrittenRecords(Cli.onFile("dump", "--db", database.toString(), "--format", "csv"));
        // the daemon refuses it (a rollback or a damaged file) and leaves it as it is, or H2 found
        // the last commit whole: then it starts on exactly what was written
        byte[] before = Files.readAllBytes(file());
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3)) {
            daemon.flush();
            Set<String> live = shown(Cli.throughDaemonOf(daemon, "dump", "--format", "csv").out(),
                    DumpCommand.COLUMNS.indexOf("buffer_id"), DumpCommand.COLUMNS.indexOf("size"));
            assertEquals(BUFFERS - FREED, live.size(), "the whole live set of the last commit");
            live.removeAll(written);
            assertEquals(Set.of(), live);
            assertTrue(keep > 0, "a file truncated to nothing is never started on");
        } catch (RolledBackDatabaseException | DatabaseUnavailableException | tracker.store.CorruptBlobException e) {
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file())), "the file was left as it was");
        }
    }

    @Test
    void zeroByteFileWithoutAHistoryStartsANewDatabase() throws Exception {
        Files.delete(tracker.store.CommitMarker.pathOf(database));
        Files.write(file(), new byte[0]);
        Cli.Result dump = Cli.onFile("dump", "--db", database.toString());
        assertEquals(3, dump.exit());
        assertTrue(dump.err().contains("is empty"), dump.err());
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3)) {
            assertTrue(daemon.output().contains("tracker serving"), daemon.output());
        }
        assertEquals(0, Cli.onFile("check", "--db", database.toString()).exit());
    }

    @Test
    void fileOfAnotherApplicationIsLeftAlone() throws Exception {
        Files.delete(file());
        Files.delete(tracker.store.CommitMarker.pathOf(database));
        try (Connection other = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
             Statement sql = other.createStatement()) {
            sql.execute("CREATE TABLE invoices (id INT PRIMARY KEY, total INT)");
            sql.execute("INSERT INTO invoices VALUES (1, 100)");
        }
        byte[] before = Files.readAllBytes(file());
        Cli.Result dump = Cli.onFile("dump", "--db", database.toString());
        assertEquals(3, dump.exit());
        assertTrue(dump.err().contains("not a tracker database"), dump.err());
        DatabaseUnavailableException refused = assertThrows(DatabaseUnavailableException.class,
                () -> TestDaemon.start(directory, WireVersion.V3).close());
        assertTrue(refused.getMessage().contains("not a tracker database"), refused.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file())), "the file was left as it was");
    }

    @Test
    void fileThatIsNotADatabaseAtAllIsNamed() throws Exception {
        Files.writeString(file(), "just some text, not an H2 file\n".repeat(500));
        Cli.Result dump = Cli.onFile("dump", "--db", database.toString());
        assertEquals(3, dump.exit());
        assertEquals(1, dump.err().lines().count(), dump.err());
        assertThrows(DatabaseUnavailableException.class, () -> TestDaemon.start(directory, WireVersion.V3).close());
    }

    @Test
    void backupRestoredOverANewerFileIsRefusedUntilAccepted() throws Exception {
        Path backup = directory.resolve("backup.mv.db");
        Files.copy(file(), backup);
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(2, 0x7000, 512, 1));
            client.query(2);
            daemon.flush();
        }
        Files.copy(backup, file(), StandardCopyOption.REPLACE_EXISTING);

        RolledBackDatabaseException refused = assertThrows(RolledBackDatabaseException.class,
                () -> TestDaemon.start(directory, WireVersion.V3).close());
        assertTrue(refused.getMessage().contains("--accept-rollback"), refused.getMessage());
        assertTrue(refused.getMessage().contains("older than what was committed"), refused.getMessage());
        Cli.Result check = Cli.onFile("check", "--db", database.toString());
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains("older than what was committed"), check.out());
        Cli.Result serve = Cli.onFile("serve", "--db", database.toString(), "--socket",
                directory.resolve("s.sock").toString());
        assertEquals(ExitCode.UNAVAILABLE, serve.exit());
        assertEquals(1, serve.err().lines().count(), serve.err());

        ServerConfig accepting = ConfigVariants.withAcceptRollback(TestDaemon.config(directory, WireVersion.V3));
        try (TestDaemon daemon = TestDaemon.start(accepting)) {
            assertTrue(daemon.output().contains("--accept-rollback"), daemon.output());
        }
        // accepted once: the next start takes it as it now is
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3)) {
            assertFalse(daemon.output().contains("older than"), daemon.output());
        }
    }

    @Test
    void checkThroughTheDaemonReadsItsSnapshot() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(3, 0x5000, 256, 1));
            client.query(3);
            Cli.Result check = Cli.throughDaemonOf(daemon, "check");
            assertEquals(0, check.exit(), check.out() + check.err());
            assertTrue(check.out().startsWith("ok: checked"), check.out());
            assertTrue(check.out().contains("(" + (BUFFERS - FREED) + " records)")
                    || check.out().contains("records)"), check.out());
        }
    }
}
