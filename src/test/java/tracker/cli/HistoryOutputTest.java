package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.Database;
import tracker.store.EventChunkCodec;
import tracker.store.StoredBlob;
import tracker.store.Times;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;

/**
 * What {@code tracker history} shows of each event, in every format, through a real daemon's
 * command socket and on the file it leaves: the size and memory kind a free released.
 */
class HistoryOutputTest {

    private static final int SELF = WireClient.SELF_PID;

    @TempDir
    Path directory;

    private static Frame frame(MessageType type, int device, long size, int bufferType, long bufferId, long timestamp) {
        return new Frame(type.code(), device, size, bufferType, SELF, bufferId, timestamp);
    }

    /** A daemon with its command socket open, that has applied and committed {@code frames}, sent in one write. */
    private TestDaemon daemonAfter(Frame... frames) throws Exception {
        TestDaemon daemon = TestDaemon.start(directory);
        Cli.serveCommands(daemon.daemon());
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(frames);
            client.query(0); // everything above is applied
        }
        daemon.flush();
        return daemon;
    }

    /** The CSV lines without the header, each without its first cell (the daemon's receive time). */
    private static List<String> withoutTime(String csv, int cells) {
        List<String> rows = new ArrayList<>();
        for (String line : csv.lines().skip(1).toList()) {
            String[] split = line.split(",", -1);
            rows.add(String.join(",", Arrays.copyOfRange(split, 1, 1 + cells)));
        }
        return rows;
    }

    @Test
    void freesShowTheSizeAndMemoryKindOfTheRecordTheyReleased() throws Exception {
        List<String> expected = List.of(
                SELF + ",ALLOC,0,DRAM,0x2000,8192,1,false",
                SELF + ",ALLOC,0,L1_SMALL,0x3000,512,1,false",
                SELF + ",ALLOC,0,L1_SMALL,0x3000,512,2,false",
                SELF + ",FREE,0,L1_SMALL,0x3000,512,1,false",
                SELF + ",FREE,0,L1_SMALL,0x3000,512,0,false",
                SELF + ",CB_ALLOC,1,L1,0xc000,256,1,false",
                SELF + ",CB_FREE,1,L1,0xc000,256,0,false",
                SELF + ",KERNEL_LOAD,0,DISPATCH,0x9000,4096,1,false",
                SELF + ",KERNEL_UNLOAD,0,DISPATCH,0x9000,4096,0,false",
                // a free of nothing live: no size or kind is made up for it
                SELF + ",FREE,0,,0x5000,,0,true",
                SELF + ",CB_FREE,1,,0xd000,,0,true",
                SELF + ",FREE,0,DRAM,0x2000,8192,0,false");
        // frees carry no size or kind (FREE), or the client's own (CB_FREE, KERNEL_UNLOAD): the record's is shown
        try (TestDaemon daemon = daemonAfter(
                frame(MessageType.ALLOC, 0, 8192, 0, 0x2000, 11),
                frame(MessageType.ALLOC, 0, 512, 3, 0x3000, 12),
                frame(MessageType.ALLOC, 0, 512, 3, 0x3000, 13),
                frame(MessageType.FREE, 0, 0, 0, 0x3000, 0),
                frame(MessageType.FREE, 0, 0, 0, 0x3000, 0),
                frame(MessageType.CB_ALLOC, 1, 256, 0, 0xc000, 14),
                frame(MessageType.CB_FREE, 1, 0, 0, 0xc000, 0),
                frame(MessageType.KERNEL_LOAD, 0, 4096, 2, 0x9000, 15),
                frame(MessageType.KERNEL_UNLOAD, 0, 0, 0, 0x9000, 0),
                frame(MessageType.FREE, 0, 0, 0, 0x5000, 0),
                frame(MessageType.CB_FREE, 1, 777, 0, 0xd000, 0),
                frame(MessageType.FREE, 0, 0, 0, 0x2000, 0))) {
            Cli.Result csv = Cli.throughDaemon(daemon.database(), "history", "--format", "csv");
            assertEquals(ExitCode.OK, csv.exit(), csv.err());
            assertEquals(expected, withoutTime(csv.out(), 8), csv.out());
            assertFreesInJsonAndTable(daemon.database(), true);

            Cli.Result file = Cli.onFileAfter(daemon, "history", "--db", daemon.database().toString(),
                    "--format", "csv");
            assertEquals(csv.out(), file.out());
            assertFreesInJsonAndTable(daemon.database(), false);
        }
    }

    private static void assertFreesInJsonAndTable(Path database, boolean throughDaemon) {
        Cli.Result json = history(database, throughDaemon, "--format", "json");
        assertEquals(ExitCode.OK, json.exit(), json.err());
        assertTrue(json.out().contains("\"event\":\"FREE\",\"device_id\":0,\"type\":\"L1_SMALL\",\"buffer_id\":\"0x3000\","
                + "\"size\":512,\"ref_count\":1,\"unknown_free\":false"), json.out());
        assertTrue(json.out().contains("\"event\":\"KERNEL_UNLOAD\",\"device_id\":0,\"type\":\"DISPATCH\","
                + "\"buffer_id\":\"0x9000\",\"size\":4096,\"ref_count\":0"), json.out());
        assertTrue(json.out().contains("\"event\":\"FREE\",\"device_id\":0,\"type\":null,\"buffer_id\":\"0x5000\","
                + "\"size\":null,\"ref_count\":0,\"unknown_free\":true"), json.out());

        Cli.Result table = history(database, throughDaemon);
        assertEquals(ExitCode.OK, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(13, lines.size(), table.out());
        assertTrue(lines.get(5).matches(".*  FREE +0  L1_SMALL +0x3000 +512 B +0  false.*"), lines.get(5));
        assertTrue(lines.get(9).matches(".*  KERNEL_UNLOAD +0  DISPATCH +0x9000 +4.00 KiB +0  false.*"), lines.get(9));
        assertTrue(lines.get(10).matches(".*  FREE +0  - +0x5000 +- +0  true.*"), lines.get(10));
        assertTrue(lines.get(12).matches(".*  FREE +0  DRAM +0x2000 +8.00 KiB +0  false.*"), lines.get(12));
    }

    private static Cli.Result history(Path database, boolean throughDaemon, String... options) {
        List<String> args = new ArrayList<>(List.of("history"));
        args.addAll(List.of(options));
        if (throughDaemon) {
            return Cli.throughDaemon(database, args.toArray(String[]::new));
        }
        args.addAll(List.of("--db", database.toString()));
        return Cli.onFile(args.toArray(String[]::new));
    }

    @Test
    void historyWrittenBeforeFreesKeptTheirRecordReadsAsItWasWritten() throws Exception {
        // a chunk of the first version, as earlier daemons stored it: its FREE holds the client's 0s
        Path database = directory.resolve("db").resolve("tracker");
        long micros = Times.micros(Instant.parse("2026-11-26T09:41:02.118215Z"));
        EventChunkCodec.Builder chunk = new EventChunkCodec.Builder();
        chunk.add(micros, 0, MessageType.ALLOC.code(), 0, 0, 1, 4096, 0x1000, 0, 1);
        chunk.add(micros + 10, 0, MessageType.FREE.code(), 0, 0, 0, 0, 0x1000, 0, 0);
        try (Database db = Database.open(database, Database.Access.READ_WRITE)) {
            db.jdbi().useHandle(handle -> handle.createUpdate("INSERT INTO event_chunks"
                            + " (id, process_id, pid, first_at, last_at, event_count, encoding, data)"
                            + " VALUES (1, 1, 4321, ?, ?, 2, ?, ?)")
                    .bind(0, Times.utc(chunk.firstMicros()))
                    .bind(1, Times.utc(chunk.lastMicros()))
                    .bind(2, StoredBlob.SEALED)
                    .bind(3, StoredBlob.seal(chunk.toBytes()))
                    .execute());
        }
        List<String> expected = List.of(
                "2026-11-26T09:41:02.118215Z,4321,ALLOC,0,L1,0x1000,4096,1,false",
                "2026-11-26T09:41:02.118225Z,4321,FREE,0,,0x1000,,0,false");
        Cli.Result file = Cli.onFile("history", "--db", database.toString(), "--format", "csv");
        assertEquals(ExitCode.OK, file.exit(), file.err());
        assertEquals(expected, withoutClientTime(file.out()));
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.Result live = Cli.throughDaemonOf(daemon, "history", "--format", "csv");
            assertEquals(ExitCode.OK, live.exit(), live.err());
            assertEquals(file.out(), live.out());
        }
    }

    /** The CSV lines without the header, each with its first nine cells. */
    private static List<String> withoutClientTime(String csv) {
        return csv.lines().skip(1).map(line -> String.join(",", Arrays.copyOf(line.split(",", -1), 9))).toList();
    }

    @Test
    void eventsOfOneReadKeepTheOrderTheyWereSentInAcrossProcesses() throws Exception {
        // a forked child writes through its parent's connection: one read holds both processes' frames
        Process child = new ProcessBuilder("sleep", "600").start();
        try {
            int other = (int) child.pid();
            Frame[] sent = {
                    new Frame(MessageType.ALLOC.code(), 0, 4096, 0, SELF, 0x1000, 21),
                    new Frame(MessageType.FREE.code(), 0, 0, 0, other, 0x1000, 0),  // not its record: refused
                    new Frame(MessageType.FREE.code(), 0, 0, 0, SELF, 0x1000, 0),
                    new Frame(MessageType.ALLOC.code(), 0, 8192, 1, other, 0x2000, 22),
                    new Frame(MessageType.ALLOC.code(), 0, 4096, 0, SELF, 0x1000, 23),
                    new Frame(MessageType.FREE.code(), 0, 0, 0, other, 0x2000, 0),
                    new Frame(MessageType.FREE.code(), 0, 0, 0, SELF, 0x1000, 0)};
            List<String> all = List.of(
                    SELF + ",ALLOC,0,DRAM,0x1000,4096,1,false",
                    other + ",FREE,0,,0x1000,,0,false",
                    SELF + ",FREE,0,DRAM,0x1000,4096,0,false",
                    other + ",ALLOC,0,L1,0x2000,8192,1,false",
                    SELF + ",ALLOC,0,DRAM,0x1000,4096,1,false",
                    other + ",FREE,0,L1,0x2000,8192,0,false",
                    SELF + ",FREE,0,DRAM,0x1000,4096,0,false");
            try (TestDaemon daemon = daemonAfter(sent)) {
                Path database = daemon.database();
                Cli.Result whole = Cli.throughDaemon(database, "history", "--format", "csv");
                List<String> times = whole.out().lines().skip(1).map(line -> line.split(",")[0]).distinct().toList();
                assertEquals(1, times.size(), "one read, one receive time: " + whole.out());
                for (boolean throughDaemon : new boolean[] {true, false}) {
                    if (!throughDaemon) {
                        daemon.close();
                    }
                    String how = throughDaemon ? "through the daemon" : "on the file";
                    assertEquals(all, csv(database, throughDaemon), how);
                    assertEquals(List.of(all.get(0), all.get(2), all.get(4), all.get(6)),
                            csv(database, throughDaemon, "--pid", Integer.toString(SELF)), how);
                    assertEquals(List.of(all.get(1), all.get(3), all.get(5)),
                            csv(database, throughDaemon, "--pid", Integer.toString(other)), how);
                    assertEquals(List.of(all.get(0), all.get(1), all.get(2), all.get(4), all.get(6)),
                            csv(database, throughDaemon, "--buffer", "0x1000"), how);
                    assertEquals(all.subList(3, 7), csv(database, throughDaemon, "--limit", "4"), how);
                    assertEquals(List.of(all.get(2), all.get(4), all.get(6)),
                            csv(database, throughDaemon, "--buffer", "0x1000", "--limit", "3"), how);
                    assertEquals(List.of(all.get(4), all.get(6)),
                            csv(database, throughDaemon, "--pid", Integer.toString(SELF), "--limit", "2"), how);
                    assertEquals(all.subList(1, 7), csv(database, throughDaemon, "--since", times.get(0),
                            "--until", times.get(0), "--limit", "6"), how);
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    /** history in CSV, without the header and each line without its time, and with the cells up to unknown_free. */
    private static List<String> csv(Path database, boolean throughDaemon, String... options) {
        List<String> args = new ArrayList<>(List.of("--format", "csv"));
        args.addAll(List.of(options));
        Cli.Result result = history(database, throughDaemon, args.toArray(String[]::new));
        assertEquals(ExitCode.OK, result.exit(), result.err());
        return withoutTime(result.out(), 8);
    }

    @Test
    void theClientsTimestampIsShownInItsUnitAndNothingWhereItSentNone() throws Exception {
        long nanos = 1_764_662_400_123_456_789L;   // libstdc++: 2025-12-02T08:00:00.123456789Z
        long micros = 1_764_662_401_654_321L;      // libc++: 2025-12-02T08:00:01.654321Z
        long wholeSecond = 1_764_662_402_000_000_000L;
        try (TestDaemon daemon = daemonAfter(
                frame(MessageType.ALLOC, 0, 4096, 0, 0x1000, nanos),
                frame(MessageType.ALLOC, 0, 4096, 0, 0x2000, micros),
                frame(MessageType.KERNEL_LOAD, 0, 64, 0, 0x3000, wholeSecond),
                frame(MessageType.ALLOC, 0, 4096, 0, 0x4000, -1L),  // 2^64 - 1 ns: 2554
                frame(MessageType.FREE, 0, 0, 0, 0x1000, 0))) {
            for (boolean throughDaemon : new boolean[] {true, false}) {
                if (!throughDaemon) {
                    daemon.close();
                }
                Cli.Result csv = history(daemon.database(), throughDaemon, "--format", "csv");
                assertEquals(ExitCode.OK, csv.exit(), csv.err());
                List<String> lines = csv.out().lines().toList();
                assertEquals("time,pid,event,device_id,type,buffer_id,size,ref_count,unknown_free,client_time",
                        lines.get(0));
                List<String> clientTimes = lines.stream().skip(1).map(line -> line.substring(line.lastIndexOf(',') + 1))
                        .toList();
                assertEquals(List.of("2025-12-02T08:00:00.123456789Z", "2025-12-02T08:00:01.654321Z",
                        "2025-12-02T08:00:02Z", "2554-07-21T23:34:33.709551615Z", ""), clientTimes, csv.out());
                // the daemon's receive time stays in the first column
                String received = lines.get(1).substring(0, lines.get(1).indexOf(','));
                assertTrue(Instant.parse(received).isAfter(Instant.parse("2026-01-01T00:00:00Z")), received);

                Cli.Result json = history(daemon.database(), throughDaemon, "--format", "json");
                assertTrue(json.out().contains("\"buffer_id\":\"0x2000\",\"size\":4096,\"ref_count\":1,"
                        + "\"unknown_free\":false,\"client_time\":\"2025-12-02T08:00:01.654321Z\"}"), json.out());
                assertTrue(json.out().contains("\"event\":\"FREE\",\"device_id\":0,\"type\":\"DRAM\",\"buffer_id\":\"0x1000\","
                        + "\"size\":4096,\"ref_count\":0,\"unknown_free\":false,\"client_time\":null}"), json.out());

                Cli.Result table = history(daemon.database(), throughDaemon);
                List<String> rows = table.out().lines().toList();
                assertTrue(rows.get(0).endsWith("  UNKNOWN_FREE  CLIENT_TIME"), rows.get(0));
                assertTrue(rows.get(1).endsWith("  false         2025-12-02T08:00:00.123456789Z"), rows.get(1));
                assertTrue(rows.get(3).endsWith("  false         2025-12-02T08:00:02Z"), rows.get(3));
                assertTrue(rows.get(5).endsWith("  false         -"), rows.get(5));
            }
        }
    }

    @Test
    void aBufferThatWasReapedEndsWithTheReapThatRemovedIt() throws Exception {
        Process child = new ProcessBuilder("sleep", "600").start();
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            Path database = daemon.database();
            int dead = (int) child.pid();
            // the child holds a buffer and a CB at 0x7000 when it dies, and had freed 0x8000
            client.send(
                    new Frame(MessageType.ALLOC.code(), 0, 8192, 0, dead, 0x7000, 31),
                    new Frame(MessageType.CB_ALLOC.code(), 0, 256, 0, dead, 0x7000, 32),
                    new Frame(MessageType.ALLOC.code(), 0, 1024, 1, dead, 0x8000, 33),
                    new Frame(MessageType.FREE.code(), 0, 0, 0, dead, 0x8000, 0),
                    frame(MessageType.ALLOC, 1, 4096, 3, 0x7000, 34));
            client.query(0);
            child.destroyForcibly();
            child.waitFor();
            Cli.Result reap = Cli.throughDaemon(database, "reap");
            assertEquals(ExitCode.OK, reap.exit(), reap.err());
            // the address is allocated again, by a live process, after the reap
            client.send(frame(MessageType.ALLOC, 0, 4096, 0, 0x7000, 35));
            client.query(0);
            daemon.flush();

            Cli.Result audit = Cli.throughDaemon(database, "audit", "--pid", Integer.toString(dead), "--format", "csv");
            List<String> auditLines = audit.out().lines().toList();
            String reapedAt = auditLines.get(1).split(",")[List.of(auditLines.get(0).split(",")).indexOf("reaped_at")];
            List<String> expected = List.of(
                    dead + ",ALLOC,0,DRAM,0x7000,8192,1,false,1970-01-01T00:00:00.000031Z",
                    dead + ",CB_ALLOC,0,L1,0x7000,256,1,false,1970-01-01T00:00:00.000032Z",
                    SELF + ",ALLOC,1,L1_SMALL,0x7000,4096,1,false,1970-01-01T00:00:00.000034Z",
                    reapedAt + "," + dead + ",REAPED,0,DRAM,0x7000,8192,0,false,",
                    reapedAt + "," + dead + ",CB_REAPED,0,L1,0x7000,256,0,false,",
                    SELF + ",ALLOC,0,DRAM,0x7000,4096,1,false,1970-01-01T00:00:00.000035Z");
            for (boolean throughDaemon : new boolean[] {true, false}) {
                if (!throughDaemon) {
                    client.close();
                    daemon.close();
                }
                String how = throughDaemon ? "through the daemon" : "on the file";
                Cli.Result csv = history(database, throughDaemon, "--buffer", "0x7000", "--format", "csv");
                assertEquals(ExitCode.OK, csv.exit(), csv.err());
                assertEquals(expected, withReapTimes(csv.out()), how + ":\n" + csv.out());
                // the latest N count the reap's rows among them
                assertEquals(expected.subList(4, 6), withReapTimes(history(database, throughDaemon, "--buffer", "0x7000",
                        "--format", "csv", "--limit", "2").out()), how);
                assertEquals(expected.subList(2, 6), withReapTimes(history(database, throughDaemon, "--buffer", "0x7000",
                        "--format", "csv", "--limit", "4").out()), how);
                // filters apply to the reap's rows as to events
                assertEquals(List.of(expected.get(0), expected.get(1), expected.get(3), expected.get(4)),
                        withReapTimes(history(database, throughDaemon, "--buffer", "0x7000", "--pid",
                                Integer.toString(dead), "--format", "csv").out()), how);
                assertEquals(List.of(expected.get(2)), withReapTimes(history(database, throughDaemon, "--buffer",
                        "0x7000", "--device", "1", "--format", "csv").out()), how);
                assertEquals(expected.subList(3, 6), withReapTimes(history(database, throughDaemon, "--buffer",
                        "0x7000", "--since", reapedAt, "--format", "csv").out()), how);
                assertEquals(expected.subList(0, 3), withReapTimes(history(database, throughDaemon, "--buffer",
                        "0x7000", "--until", Instant.parse(reapedAt).minusNanos(1000).toString(), "--format", "csv")
                        .out()), how);
                // freed before the reap: the reap did not remove it
                List<String> freed = withReapTimes(history(database, throughDaemon, "--buffer", "0x8000", "--format",
                        "csv").out());
                assertEquals(List.of(dead + ",ALLOC,0,L1,0x8000,1024,1,false,1970-01-01T00:00:00.000033Z",
                        dead + ",FREE,0,L1,0x8000,1024,0,false,"), freed, how);

                Cli.Result json = history(database, throughDaemon, "--buffer", "0x7000", "--format", "json");
                assertTrue(json.out().contains("{\"time\":\"" + reapedAt + "\",\"pid\":" + dead + ",\"event\":\"REAPED\","
                        + "\"device_id\":0,\"type\":\"DRAM\",\"buffer_id\":\"0x7000\",\"size\":8192,\"ref_count\":0,"
                        + "\"unknown_free\":false,\"client_time\":null}"), json.out());
                List<String> table = history(database, throughDaemon, "--buffer", "0x7000").out().lines().toList();
                assertEquals(7, table.size(), String.join("\n", table));
                assertTrue(table.get(5).matches(reapedAt.replace(".", "\\.") + " +" + dead
                        + "  CB_REAPED +0  L1 +0x7000 +256 B +0  false +-"), table.get(5));
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    /** The CSV lines without the header; each without its time, but for a reap's row. */
    private static List<String> withReapTimes(String csv) {
        List<String> rows = new ArrayList<>();
        for (String line : csv.lines().skip(1).toList()) {
            rows.add(line.contains("REAPED,") ? line : line.substring(line.indexOf(',') + 1));
        }
        return rows;
    }
}
