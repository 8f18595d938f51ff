package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tracker.cli.HoldingProcesses.DEAD;
import static tracker.cli.HoldingProcesses.DEAD_COMMAND;
import static tracker.cli.HoldingProcesses.LIVE;
import static tracker.cli.HoldingProcesses.LIVE_COMMAND;
import static tracker.cli.HoldingProcesses.SELF;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;

/**
 * What a process holds, per kind, under the same field names with the same meanings in every
 * format of audit, leaks, ps and reap: {@code buffer_bytes} the buffers' bytes, {@code cb_bytes}
 * the CBs', {@code kernel_bytes} the kernels', {@code total_bytes} all of them. A dead process
 * and this JVM hold known buffers, CBs and kernels; each command is asked through the daemon
 * and on the file.
 */
class HeldFieldsTest {

    private static final List<String> HELD = List.of("buffers", "cbs", "kernels", "buffer_bytes", "cb_bytes",
            "kernel_bytes", "total_bytes");

    /** 1,062,912 bytes and 196,608 bytes, as tables show them. */
    private static final String DEAD_TOTAL = "1.01 MiB";
    private static final String LIVE_TOTAL = "192 KiB";

    @TempDir
    Path directory;

    @Test
    void auditLeaksAndPsGiveEachKindsRecordsAndBytesInEveryFormatThroughTheDaemonAndOnTheFile() throws Exception {
        int deadPid = HoldingProcesses.pidOfExitedProcess();
        Path database = directory.resolve("db").resolve("tracker");
        HoldingProcesses.seed(database, deadPid);
        try (TestDaemon daemon = TestDaemon.start(directory)) { // reaps the dead process as it starts
            Cli.serveCommands(daemon.daemon());
            assertEveryFormat(args -> Cli.throughDaemon(database, args), deadPid);
        }
        assertEveryFormat(args -> Cli.onFile(withDatabase(args, database)), deadPid);
    }

    @Test
    void reapGivesWhatTheDeadProcessHeldPerKindInEveryFormat() throws Exception {
        int deadPid = HoldingProcesses.pidOfExitedProcess();
        String[] fields = {"pid", "reason", "buffers", "cbs", "kernels", "buffer_bytes", "cb_bytes", "kernel_bytes",
                "total_bytes", "reaped_at", "command"};

        Map<String, Object> json = single(OutputRows.json(reap(deadPid, "json")));
        assertEquals(List.of(fields), List.copyOf(json.keySet()));
        assertEquals((long) deadPid, json.get("pid"));
        assertEquals("EXITED", json.get("reason"));
        assertHeld(DEAD, json);
        assertEquals(DEAD_COMMAND, json.get("command"));

        String csv = reap(deadPid, "csv");
        assertEquals(String.join(",", fields), csv.lines().findFirst().orElseThrow());
        Map<String, String> row = single(OutputRows.csv(csv));
        assertEquals(List.of(Integer.toString(deadPid), "EXITED"), List.of(row.get("pid"), row.get("reason")));
        assertHeldText(DEAD, row);
        assertEquals(DEAD_COMMAND, row.get("command"));

        String table = reap(deadPid, "table");
        assertEquals(List.of("pid", "reason", "buffers", "cbs", "kernels", "total_bytes", "reaped_at", "command"),
                OutputRows.tableHeadings(table));
        Map<String, String> line = single(OutputRows.table(table));
        assertEquals(List.of(Integer.toString(deadPid), "EXITED", "2", "1", "1", DEAD_TOTAL, DEAD_COMMAND),
                List.of(line.get("pid"), line.get("reason"), line.get("buffers"), line.get("cbs"),
                        line.get("kernels"), line.get("total_bytes"), line.get("command")));
    }

    /** Reaps a database of its own (a reap happens once) on the file. */
    private String reap(int deadPid, String format) {
        Path database = directory.resolve(format).resolve("tracker");
        HoldingProcesses.seed(database, deadPid);
        Cli.Result reap = Cli.onFile("reap", "--db", database.toString(), "--format", format);
        assertEquals(ExitCode.OK, reap.exit(), reap.err());
        return reap.out();
    }

    private static void assertEveryFormat(Function<String[], Cli.Result> run, int deadPid) {
        assertAudit(run, deadPid);
        assertLeaks(run, deadPid);
        assertPs(run, deadPid);
    }

    private static void assertAudit(Function<String[], Cli.Result> run, int deadPid) {
        Cli.Result jsonRun = run.apply(new String[] {"audit", "--format", "json"});
        assertEquals(ExitCode.OK, jsonRun.exit(), jsonRun.err());
        Map<String, Object> json = single(OutputRows.json(jsonRun.out()));
        assertEquals(List.of("reap_id", "pid", "reaped_at", "reason", "buffers", "cbs", "kernels", "buffer_bytes",
                "cb_bytes", "kernel_bytes", "total_bytes", "peak_bytes", "peak_at", "peaks", "first_seen", "last_seen", "uid",
                "tags", "command", "per_device"),
                List.copyOf(json.keySet()));
        assertEquals((long) deadPid, json.get("pid"));
        assertEquals("DEAD_AT_STARTUP", json.get("reason"));
        assertHeld(DEAD, json);
        assertEquals((long) HoldingProcesses.UID, json.get("uid"));
        assertEquals(DEAD_COMMAND, json.get("command"));
        // per device and kind: records and bytes of that group
        assertEquals("[{\"device_id\":0,\"kind\":\"BUFFER\",\"type\":\"DRAM\",\"records\":1,\"bytes\":1048576},"
                + "{\"device_id\":0,\"kind\":\"CB\",\"type\":\"L1\",\"records\":1,\"bytes\":2048},"
                + "{\"device_id\":0,\"kind\":\"KERNEL\",\"type\":\"DISPATCH\",\"records\":1,\"bytes\":8192},"
                + "{\"device_id\":1,\"kind\":\"BUFFER\",\"type\":\"L1\",\"records\":1,\"bytes\":4096}]",
                json.get("per_device"));

        Cli.Result csvRun = run.apply(new String[] {"audit", "--format", "csv"});
        assertEquals("reap_id,pid,reaped_at,reason,buffers,cbs,kernels,buffer_bytes,cb_bytes,kernel_bytes,"
                + "total_bytes,peak_bytes,peak_at,first_seen,last_seen,uid,tags,command", csvRun.out().lines().findFirst().orElseThrow());
        Map<String, String> csv = single(OutputRows.csv(csvRun.out()));
        assertEquals(List.of(json.get("reap_id").toString(), Integer.toString(deadPid), json.get("reaped_at"),
                "DEAD_AT_STARTUP", "1000", DEAD_COMMAND), List.of(csv.get("reap_id"), csv.get("pid"),
                csv.get("reaped_at"), csv.get("reason"), csv.get("uid"), csv.get("command")));
        assertHeldText(DEAD, csv);

        Cli.Result tableRun = run.apply(new String[] {"audit"});
        assertEquals(List.of("reap_id", "pid", "reaped_at", "reason", "buffers", "cbs", "kernels", "total_bytes",
                "peak", "command"), OutputRows.tableHeadings(tableRun.out()));
        Map<String, String> table = single(OutputRows.table(tableRun.out()));
        // written straight to the file, never by a daemon: no peak was kept
        assertEquals(List.of(json.get("reap_id").toString(), Integer.toString(deadPid), json.get("reaped_at"),
                "DEAD_AT_STARTUP", "2", "1", "1", DEAD_TOTAL, "-", DEAD_COMMAND), List.copyOf(table.values()));
    }

    private static void assertLeaks(Function<String[], Cli.Result> run, int deadPid) {
        Cli.Result jsonRun = run.apply(new String[] {"leaks", "--live", "--format", "json"});
        assertEquals(ExitCode.CHECK_FAILED, jsonRun.exit(), jsonRun.err());
        List<Map<String, Object>> json = OutputRows.json(jsonRun.out());
        assertEquals(2, json.size(), jsonRun.out());
        Map<String, Object> dead = json.get(0);
        Map<String, Object> live = json.get(1);
        assertEquals(List.of("pid", "state", "buffers", "cbs", "kernels", "buffer_bytes", "cb_bytes", "kernel_bytes",
                "total_bytes", "reaped_at", "reason", "tags", "command"), List.copyOf(dead.keySet()));
        assertEquals(List.of((long) deadPid, "dead", "DEAD_AT_STARTUP", DEAD_COMMAND),
                List.of(dead.get("pid"), dead.get("state"), dead.get("reason"), dead.get("command")));
        assertHeld(DEAD, dead);
        assertEquals(List.of((long) SELF, "live", LIVE_COMMAND),
                List.of(live.get("pid"), live.get("state"), live.get("command")));
        assertEquals(null, live.get("reaped_at"));
        assertEquals(null, live.get("reason"));
        assertHeld(LIVE, live);

        Cli.Result csvRun = run.apply(new String[] {"leaks", "--live", "--format", "csv"});
        assertEquals(ExitCode.CHECK_FAILED, csvRun.exit(), csvRun.err());
        assertEquals("pid,state,buffers,cbs,kernels,buffer_bytes,cb_bytes,kernel_bytes,total_bytes,reaped_at,reason,"
                + "tags,command", csvRun.out().lines().findFirst().orElseThrow());
        List<Map<String, String>> csv = OutputRows.csv(csvRun.out());
        assertEquals(List.of(Integer.toString(deadPid), "dead", dead.get("reaped_at"), "DEAD_AT_STARTUP", DEAD_COMMAND),
                List.of(csv.get(0).get("pid"), csv.get(0).get("state"), csv.get(0).get("reaped_at"),
                        csv.get(0).get("reason"), csv.get(0).get("command")));
        assertHeldText(DEAD, csv.get(0));
        assertEquals(List.of(Integer.toString(SELF), "live", "", "", LIVE_COMMAND),
                List.of(csv.get(1).get("pid"), csv.get(1).get("state"), csv.get(1).get("reaped_at"),
                        csv.get(1).get("reason"), csv.get(1).get("command")));
        assertHeldText(LIVE, csv.get(1));

        Cli.Result tableRun = run.apply(new String[] {"leaks", "--live"});
        assertEquals(ExitCode.CHECK_FAILED, tableRun.exit(), tableRun.err());
        assertEquals(List.of("pid", "state", "buffers", "cbs", "kernels", "total_bytes", "reaped_at", "reason",
                "command"), OutputRows.tableHeadings(tableRun.out()));
        List<Map<String, String>> table = OutputRows.table(tableRun.out());
        assertEquals(List.of(Integer.toString(deadPid), "dead", "2", "1", "1", DEAD_TOTAL, dead.get("reaped_at"),
                "DEAD_AT_STARTUP", DEAD_COMMAND), List.copyOf(table.get(0).values()));
        assertEquals(List.of(Integer.toString(SELF), "live", "3", "2", "1", LIVE_TOTAL, "-", "-", LIVE_COMMAND),
                List.copyOf(table.get(1).values()));
    }

    private static void assertPs(Function<String[], Cli.Result> run, int deadPid) {
        Cli.Result jsonRun = run.apply(new String[] {"ps", "--all", "--format", "json"});
        assertEquals(ExitCode.OK, jsonRun.exit(), jsonRun.err());
        List<Map<String, Object>> json = OutputRows.json(jsonRun.out());
        assertEquals(2, json.size(), jsonRun.out());
        Map<String, Object> ended = json.get(0);
        Map<String, Object> live = json.get(1);
        assertEquals(List.of("pid", "state", "first_seen", "last_seen", "buffers", "cbs", "kernels", "buffer_bytes",
                "cb_bytes", "kernel_bytes", "total_bytes", "peak_bytes", "peak_at", "peaks", "uid", "tags", "command"),
                List.copyOf(ended.keySet()));
        assertEquals(List.of((long) deadPid, "ended (dead_at_startup)", DEAD_COMMAND),
                List.of(ended.get("pid"), ended.get("state"), ended.get("command")));
        assertHeld(new HoldingProcesses.Held(0, 0, 0, 0, 0, 0), ended); // what it held was reaped
        assertEquals(List.of((long) SELF, "live", (long) HoldingProcesses.UID, LIVE_COMMAND),
                List.of(live.get("pid"), live.get("state"), live.get("uid"), live.get("command")));
        assertHeld(LIVE, live);

        Cli.Result csvRun = run.apply(new String[] {"ps", "--all", "--format", "csv"});
        assertEquals("pid,state,first_seen,last_seen,buffers,cbs,kernels,buffer_bytes,cb_bytes,kernel_bytes,"
                + "total_bytes,peak_bytes,peak_at,uid,tags,command", csvRun.out().lines().findFirst().orElseThrow());
        List<Map<String, String>> csv = OutputRows.csv(csvRun.out());
        assertEquals(List.of(Integer.toString(SELF), "live", live.get("first_seen"), live.get("last_seen"), "1000",
                LIVE_COMMAND), List.of(csv.get(1).get("pid"), csv.get(1).get("state"), csv.get(1).get("first_seen"),
                csv.get(1).get("last_seen"), csv.get(1).get("uid"), csv.get(1).get("command")));
        assertHeldText(LIVE, csv.get(1));
        assertHeldText(new HoldingProcesses.Held(0, 0, 0, 0, 0, 0), csv.get(0));

        Cli.Result tableRun = run.apply(new String[] {"ps", "--all"});
        assertEquals(List.of("pid", "state", "first_seen", "last_seen", "buffers", "cbs", "kernels", "total_bytes",
                "peak", "uid", "command"), OutputRows.tableHeadings(tableRun.out()));
        List<Map<String, String>> table = OutputRows.table(tableRun.out());
        assertEquals(List.of(Integer.toString(deadPid), "ended (dead_at_startup)", ended.get("first_seen"),
                ended.get("last_seen"), "0", "0", "0", "0 B", "-", "1000", DEAD_COMMAND),
                List.copyOf(table.get(0).values()));
        assertEquals(List.of(Integer.toString(SELF), "live", live.get("first_seen"), live.get("last_seen"), "3", "2",
                "1", LIVE_TOTAL, "-", "1000", LIVE_COMMAND), List.copyOf(table.get(1).values()));
    }

    /** The held fields of a JSON row: whole numbers, exact bytes. */
    private static void assertHeld(HoldingProcesses.Held held, Map<String, Object> row) {
        assertEquals(List.of(held.buffers(), held.cbs(), held.kernels(), held.bufferBytes(), held.cbBytes(),
                held.kernelBytes(), held.totalBytes()), HELD.stream().map(row::get).toList(), row.toString());
    }

    /** The held fields of a CSV row: exact bytes. */
    private static void assertHeldText(HoldingProcesses.Held held, Map<String, String> row) {
        assertEquals(List.of(held.buffers(), held.cbs(), held.kernels(), held.bufferBytes(), held.cbBytes(),
                held.kernelBytes(), held.totalBytes()).stream().map(String::valueOf).toList(),
                HELD.stream().map(row::get).toList(), row.toString());
    }

    private static <T> T single(List<T> rows) {
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }

    private static String[] withDatabase(String[] args, Path database) {
        String[] out = new String[args.length + 2];
        out[0] = args[0];
        out[1] = "--db";
        out[2] = database.toString();
        System.arraycopy(args, 1, out, 3, args.length - 1);
        return out;
    }
}
