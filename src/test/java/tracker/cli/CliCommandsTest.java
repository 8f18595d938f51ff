package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.proc.ProcFs;
import tracker.store.CommitBatch;
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.Times;
import tracker.testing.Segments;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.MessageType;

/**
 * The commands on a real database: one process of this JVM holding records, and one that
 * died while no daemon ran. Each answer is checked through the daemon's command socket and
 * on the file with the daemon stopped: they must be the same.
 */
class CliCommandsTest {

    private static final int SELF = WireClient.SELF_PID;
    private static final long DEAD_PROCESS_ID = 1_000_000;

    @TempDir
    Path directory;

    private Path database;
    private int deadPid;

    @BeforeEach
    void seedDatabase() throws Exception {
        database = directory.resolve("db").resolve("tracker");
        deadPid = pidOfExitedProcess();
        long now = Times.micros(java.time.Instant.now());
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            CommitBatch batch = new CommitBatch();
            batch.newProcesses.add(new ProcessRow(DEAD_PROCESS_ID, deadPid, deadPid, 4242L,
                    new ProcFs().bootId(), 0, "pytest tests/test_matmul.py", now - 5_000_000, now - 1_000_000));
            batch.segments.addAll(Segments.snapshotsOf(List.of(
                    new LiveRow("BUFFER", 0, 0x10000, "DRAM", 1 << 20, 1, DEAD_PROCESS_ID, now - 4_000_000),
                    new LiveRow("BUFFER", 1, 0x10000, "L1", 4096, 2, DEAD_PROCESS_ID, now - 4_000_000),
                    new LiveRow("CB", 0, 0x10000, "L1", 2048, 1, DEAD_PROCESS_ID, now - 4_000_000))));
            new StoreWriter(db.jdbi()).write(batch);
        }
    }

    /** Starts the daemon (which reaps the dead process at start-up) and sends this JVM's allocations. */
    private TestDaemon daemonWithTraffic() throws Exception {
        TestDaemon daemon = TestDaemon.start(tracker.testing.TestDaemon.config(directory, tracker.wire.WireVersion.V3));
        Cli.serveCommands(daemon.daemon());
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(
                    WireClient.alloc(0, 0x2000, 8192, 0),
                    WireClient.alloc(0, 0x3000, 1024, 1),
                    WireClient.alloc(1, 0x2000, 512, 3),
                    WireClient.frame(MessageType.CB_ALLOC, 0, 256, 0, SELF, 0x2000),
                    WireClient.frame(MessageType.KERNEL_LOAD, 0, 4096, 2, SELF, 0x9000),
                    WireClient.alloc(0, 0x4000, 100, 4),
                    WireClient.free(0, 0x4000),
                    WireClient.free(0, 0x5000));
            client.query(0); // everything above is applied
        }
        daemon.flush();
        return daemon;
    }

    @Test
    void dumpGivesTheSameAllocationsThroughTheDaemonAndFromTheFile() throws Exception {
        Cli.Result live;
        Cli.Result filtered;
        try (TestDaemon daemon = daemonWithTraffic()) {
            live = Cli.throughDaemon(database, "dump", "--format", "json");
            filtered = Cli.throughDaemon(database, "dump", "--pid", Integer.toString(SELF), "--device", "0",
                    "--kind", "buffer", "--format", "csv");
        }
        assertEquals(0, live.exit(), live.err());
        Cli.Result file = Cli.onFile("dump", "--db", database.toString(), "--format", "json");
        assertEquals(live.out(), file.out());
        assertTrue(live.out().contains("\"pid\":" + SELF), live.out());
        assertTrue(live.out().contains("\"buffer_id\":\"0x2000\""), live.out());
        assertTrue(live.out().contains("\"kind\":\"KERNEL\",\"type\":\"DISPATCH\""), live.out());
        assertTrue(live.out().contains("\"type\":\"L1_SMALL\""), live.out());
        assertTrue(live.out().matches("(?s).*\"allocated_at\":\"\\d{4}-\\d\\d-\\d\\dT[^\"]+Z\".*"), live.out());
        assertEquals(5, live.out().lines().filter(line -> line.contains("\"pid\"")).count(), live.out());
        List<String> csv = filtered.out().lines().toList();
        assertEquals("pid,device_id,kind,type,buffer_id,size,ref_count,allocated_at,tags,command", csv.get(0));
        assertEquals(3, csv.size(), filtered.out()); // the two DRAM/L1 buffers of device 0
        assertTrue(csv.get(1).contains(",0,BUFFER,DRAM,0x2000,8192,1,"), csv.get(1));
    }

    @Test
    void dumpTableGroupsPerDeviceAndKindWithTotals() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result table = Cli.throughDaemon(database, "dump");
            assertEquals(0, table.exit());
            assertTrue(table.out().contains("Device 0:"), table.out());
            assertTrue(table.out().contains("  DRAM: 1 buffer, 8.00 KiB total"), table.out());
            assertTrue(table.out().contains("  CB (L1): 1 CB, 256 B total"), table.out());
            assertTrue(table.out().contains("Total: 5 records"), table.out());
        }
    }

    @Test
    void dumpTableListsOnlySmallGroupsUnlessAskedForAll() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic(); WireClient client = WireClient.connect(daemon.socket())) {
            tracker.wire.Frame[] many = new tracker.wire.Frame[12];
            for (int i = 0; i < many.length; i++) {
                many[i] = WireClient.alloc(2, 0x100000 + i, 1024, 0);
            }
            client.send(many);
            client.query(2);
            daemon.flush(); // the CLI reads what is committed
            Cli.Result table = Cli.throughDaemon(database, "dump", "--device", "2");
            assertTrue(table.out().contains("  DRAM: 12 buffers, 12.0 KiB total"), table.out());
            assertFalse(table.out().contains("0x100000"), table.out());
            assertTrue(table.out().contains("--all lists them"), table.out());
            Cli.Result all = Cli.throughDaemon(database, "dump", "--device", "2", "--all");
            assertEquals(12, all.out().lines().filter(line -> line.contains("0x1000")).count(), all.out());
            Cli.Result json = Cli.throughDaemon(database, "dump", "--device", "2", "--format", "json");
            assertEquals(12, json.out().lines().filter(line -> line.contains("\"pid\"")).count(), json.out());
        }
    }

    @Test
    void deadProcessFoundAtStartupIsInTheAuditWithWhatItHeld() throws Exception {
        Cli.Result live;
        try (TestDaemon daemon = daemonWithTraffic()) {
            live = Cli.throughDaemon(database, "audit", "--pid", Integer.toString(deadPid), "--format", "json");
        }
        Cli.Result file = Cli.onFile("audit", "--db", database.toString(), "--pid", Integer.toString(deadPid),
                "--format", "json");
        assertEquals(live.out(), file.out());
        assertTrue(live.out().contains("\"reason\":\"DEAD_AT_STARTUP\""), live.out());
        assertTrue(live.out().contains("\"buffers\":2,\"cbs\":1,\"kernels\":0,\"buffer_bytes\":1052672,"
                + "\"cb_bytes\":2048,\"kernel_bytes\":0,\"total_bytes\":1054720"), live.out());
        assertTrue(live.out().contains("\"held\":[{\"kind\":\"BUFFER\",\"device_id\":0,\"type\":\"DRAM\","
                + "\"buffer_id\":\"0x10000\",\"size\":1048576,\"ref_count\":1"), live.out());
        Cli.Result table = Cli.onFile("audit", "--db", database.toString(), "--pid", Integer.toString(deadPid));
        assertTrue(table.out().contains("pytest tests/test_matmul.py"), table.out());
        assertTrue(table.out().contains("held:"), table.out());
    }

    @Test
    void leaksExitsOneWhenAProcessDiedHoldingMemoryAndZeroOtherwise() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result leaks = Cli.throughDaemon(database, "leaks", "--format", "json");
            assertEquals(ExitCode.CHECK_FAILED, leaks.exit(), leaks.err());
            assertTrue(leaks.out().contains("\"pid\":" + deadPid), leaks.out());
            assertTrue(leaks.out().contains("\"total_bytes\":1054720"), leaks.out());

            assertEquals(ExitCode.OK, Cli.throughDaemon(database, "leaks", "--since", "0s").exit());
            assertEquals(ExitCode.OK, Cli.throughDaemon(database, "leaks", "--command", "cmake*").exit());
            assertEquals(ExitCode.CHECK_FAILED, Cli.throughDaemon(database, "leaks", "--command", "pytest").exit());
            assertEquals(ExitCode.OK, Cli.throughDaemon(database, "leaks", "--max-bytes", "2000000").exit());

            // with --since, a live process counts when first seen since then: this JVM was, within the hour
            Cli.Result withLive = Cli.throughDaemon(database, "leaks", "--live", "--since", "1h", "--format", "csv");
            assertEquals(ExitCode.CHECK_FAILED, withLive.exit());
            assertTrue(withLive.out().contains(SELF + ","), withLive.out());
            assertTrue(withLive.out().contains(",live,3,1,1,"), withLive.out());
        }
        assertEquals(ExitCode.CHECK_FAILED, Cli.onFile("leaks", "--db", database.toString()).exit());
    }

    @Test
    void historyListsEventsInOrderWithFilters() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result all = Cli.throughDaemon(database, "history", "--pid", Integer.toString(SELF), "--format", "csv");
            List<String> lines = all.out().lines().toList();
            assertEquals(9, lines.size(), all.out());
            assertTrue(lines.get(1).contains(",ALLOC,0,DRAM,0x2000,8192,1,false"), lines.get(1));
            assertTrue(lines.get(7).contains(",FREE,0,TRACE,0x4000,100,0,false"), lines.get(7));
            assertTrue(lines.get(8).contains(",FREE,0,,0x5000,,0,true"), lines.get(8));

            Cli.Result buffer = Cli.throughDaemon(database, "history", "--buffer", "0x2000", "--device", "0",
                    "--format", "csv");
            assertEquals(3, buffer.out().lines().count(), buffer.out()); // the ALLOC and the CB_ALLOC
            Cli.Result last = Cli.throughDaemon(database, "history", "--limit", "1", "--format", "csv");
            assertTrue(last.out().lines().skip(1).findFirst().orElseThrow().contains("0x5000"), last.out());
            assertEquals(all.out(), Cli.onFileAfter(daemon, "history", "--db", database.toString(), "--pid",
                    Integer.toString(SELF), "--format", "csv").out());
        }
    }

    @Test
    void statsReportsTotalsCountersAndTheDaemonWhileItRuns() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result stats = Cli.throughDaemon(database, "stats", "--format", "json");
            assertEquals(0, stats.exit(), stats.err());
            assertTrue(stats.out().contains("\"unknown_frees\" : 1"), stats.out());
            assertTrue(stats.out().contains("\"reaps\" : 1"), stats.out());
            assertTrue(stats.out().contains("\"events_committed\" : 8"), stats.out());
            assertTrue(stats.out().contains("\"queue_depth\""), stats.out());
        }
        Cli.Result offline = Cli.onFile("stats", "--db", database.toString(), "--format", "json");
        assertTrue(offline.out().contains("\"daemon\" : null"), offline.out());
        assertTrue(offline.out().contains("\"live_records\" : 5"), offline.out());
        assertTrue(offline.out().contains("\"events\" : 8"), offline.out());
    }

    @Test
    void psShowsLiveAndEndedProcesses() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result ps = Cli.throughDaemon(database, "ps", "--format", "csv");
            assertTrue(ps.out().contains(SELF + ","), ps.out());
            assertTrue(ps.out().contains(",live,"), ps.out());
            assertFalse(ps.out().contains(deadPid + ","), ps.out());
            Cli.Result all = Cli.throughDaemon(database, "ps", "--all", "--format", "csv");
            assertTrue(all.out().lines().anyMatch(line -> line.startsWith(deadPid + ",ended (dead_at_startup),")
                    && line.endsWith(",pytest tests/test_matmul.py")), all.out());
        }
    }

    @Test
    void sqlAnswersQueriesAndRefusesToWrite() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result count = Cli.throughDaemon(database, "sql", "SELECT COUNT(*) AS n FROM allocations", "--format",
                    "csv");
            assertEquals("n\n5\n", count.out());
            Cli.Result delete = Cli.throughDaemon(database, "sql", "DELETE FROM allocations");
            assertEquals(ExitCode.USAGE, delete.exit());
            assertTrue(delete.err().contains("queries only"), delete.err());
            assertEquals("n\n5\n", Cli.throughDaemon(database, "sql", "SELECT COUNT(*) AS n FROM allocations",
                    "--format", "csv").out());
        }
        Cli.Result offline = Cli.onFile("sql", "--db", database.toString(), "DROP TABLE allocations");
        assertEquals(ExitCode.USAGE, offline.exit());
        assertEquals("n\n5\n", Cli.onFile("sql", "--db", database.toString(), "SELECT COUNT(*) AS n FROM allocations",
                "--format", "csv").out());
    }

    @Test
    void prunesHistoryAndAuditButNeverTheLiveSet() throws Exception {
        try (TestDaemon daemon = daemonWithTraffic()) {
            Cli.Result kept = Cli.throughDaemon(database, "prune", "--older-than", "1h", "--format", "csv");
            assertEquals(0, kept.exit(), kept.err());
            assertTrue(kept.out().lines().skip(1).findFirst().orElseThrow().endsWith(",0,0,0,0"), kept.out());
        }
        // now on the file: everything older than a millisecond goes (0 is refused), the live set stays
        Cli.Result pruned = Cli.onFile("prune", "--db", database.toString(), "--older-than", "1ms", "--format", "csv");
        assertEquals(0, pruned.exit(), pruned.err());
        assertTrue(pruned.out().lines().skip(1).findFirst().orElseThrow().endsWith(",8,1,1"), pruned.out());
        assertEquals(ExitCode.OK, Cli.onFile("leaks", "--db", database.toString()).exit());
        assertEquals("n\n5\n", Cli.onFile("sql", "--db", database.toString(), "SELECT COUNT(*) AS n FROM allocations",
                "--format", "csv").out());
    }

    @Test
    void reapOnTheFileRemovesWhatDeadProcessesHeld() throws Exception {
        Cli.Result reap = Cli.onFile("reap", "--db", database.toString(), "--format", "csv");
        assertEquals(0, reap.exit(), reap.err());
        assertTrue(reap.out().contains(deadPid + ",EXITED,2,1,0,1052672,2048,0,1054720,"), reap.out());
        assertTrue(reap.out().strip().endsWith(",pytest tests/test_matmul.py"), reap.out());
        assertEquals("No live allocations.\n", Cli.onFile("dump", "--db", database.toString()).out());
        assertEquals(0, Cli.onFile("reap", "--db", database.toString()).exit());
    }

    @Test
    void badUsageExitsTwoAndMissingDatabaseExitsThree() {
        Cli.Result badFormat = Cli.onFile("dump", "--db", database.toString(), "--format", "xml");
        assertEquals(ExitCode.USAGE, badFormat.exit());
        assertTrue(badFormat.err().startsWith("tracker: "), badFormat.err());
        assertEquals(ExitCode.USAGE, Cli.onFile("history", "--db", database.toString(), "--since", "yesterday").exit());
        assertEquals(ExitCode.USAGE, Cli.onFile("dump", "--db", database.toString(), "--type", "HBM").exit());
        assertEquals(ExitCode.USAGE, Cli.onFile("frobnicate").exit());
        Cli.Result missing = Cli.onFile("dump", "--db", directory.resolve("nothing/here").toString());
        assertEquals(ExitCode.UNAVAILABLE, missing.exit());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no database at"), missing.err());
    }

    private static int pidOfExitedProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return (int) process.pid();
    }
}
