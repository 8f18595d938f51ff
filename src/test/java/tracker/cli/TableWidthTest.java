package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tracker.cli.HoldingProcesses.LIVE_COMMAND;
import static tracker.cli.HoldingProcesses.SELF;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;

/**
 * Tables fit a terminal: COMMAND is the last column, and on a terminal (its width, or COLUMNS,
 * or --width) each line is cut to the width by shortening COMMAND alone, which then ends with
 * "...". --wide, JSON, CSV and output that is no terminal give it whole. The tracker runs as a
 * shell runs it (a JVM of its own, through Main), and in this JVM with --width, which is how
 * Main passes the terminal's width on to the command, here or in the daemon.
 */
class TableWidthTest {

    @TempDir
    Path directory;

    /** {@code leaks --live --pid SELF}: this JVM's line, all of whose fields but COMMAND take {@link #head}. */
    private static String head(String... cells) {
        int pid = Math.max("PID".length(), Integer.toString(SELF).length());
        return String.format("%" + pid + "s  %-5s  %7s  %3s  %7s  %11s  %-9s  %-6s  ", (Object[]) cells);
    }

    private static final String HEADINGS = head("PID", "STATE", "BUFFERS", "CBS", "KERNELS", "TOTAL_BYTES",
            "REAPED_AT", "REASON");
    private static final String ROW = head(Integer.toString(SELF), "live", "3", "2", "1", "192 KiB", "-", "-");

    @Test
    void columnsCutsTableLinesByShorteningCommandThroughTheDaemonAndOnTheFile() throws Exception {
        Path database = directory.resolve("db").resolve("tracker");
        HoldingProcesses.seed(database, HoldingProcesses.pidOfExitedProcess());
        String db = database.toString();
        String[] leaks = {"leaks", "--live", "--pid", Integer.toString(SELF), "--db", db};
        // 100 columns: COMMAND keeps what fits, less three characters for "..."
        int kept = 100 - ROW.length() - 3;
        String cut = HEADINGS + "COMMAND\n" + ROW + LIVE_COMMAND.substring(0, kept) + "...\n";
        String whole = HEADINGS + "COMMAND\n" + ROW + LIVE_COMMAND + "\n";
        assertTrue(kept > 10 && kept < LIVE_COMMAND.length(), "the line must be cut within COMMAND: " + kept);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            Run hundred = tracker(Map.of("COLUMNS", "100"), leaks);
            assertEquals(ExitCode.CHECK_FAILED, hundred.exit(), hundred.err());
            assertEquals(cut, hundred.out());
            assertEquals(100, hundred.out().lines().skip(1).findFirst().orElseThrow().length());

            // narrower than the other fields: COMMAND is all that is cut, the line stays longer
            Run sixty = tracker(Map.of("COLUMNS", "60"), leaks);
            assertEquals(HEADINGS + "...\n" + ROW + "...\n", sixty.out());

            assertEquals(whole, tracker(Map.of("COLUMNS", "60"), with(leaks, "--wide")).out());
            assertEquals(cut, tracker(Map.of("COLUMNS", "60"), with(leaks, "--width", "100")).out(),
                    "--width before COLUMNS");
            assertEquals(whole, tracker(Map.of(), leaks).out(), "a pipe, and no COLUMNS: no limit");
            assertEquals(whole, tracker(Map.of("COLUMNS", "none"), leaks).out(), "a COLUMNS that is no width");
            Run csv = tracker(Map.of("COLUMNS", "60"), with(leaks, "--format", "csv"));
            assertTrue(csv.out().lines().skip(1).findFirst().orElseThrow().endsWith(",live,3,2,1,147456,8192,40960,"
                    + "196608,,,," + LIVE_COMMAND), csv.out());
            Run json = tracker(Map.of("COLUMNS", "60"), with(leaks, "--format", "json"));
            assertTrue(json.out().contains("\"command\":\"" + LIVE_COMMAND + "\"}"), json.out());
        }
        Run onFile = tracker(Map.of("COLUMNS", "100"), leaks);
        assertEquals(ExitCode.CHECK_FAILED, onFile.exit(), onFile.err());
        assertEquals(cut, onFile.out());
        assertEquals(whole, tracker(Map.of("COLUMNS", "100"), with(leaks, "--wide")).out());
    }

    @Test
    void mainGivesTheWidthToTheCommandsThatTakeIt() {
        java.util.Set<String> takingIt = new java.util.TreeSet<>();
        TrackerCommand.commandLine().getSubcommands().forEach((name, command) -> {
            if (command.getCommandSpec().findOption("--wide") != null
                    && command.getCommandSpec().findOption(TerminalWidth.OPTION) != null) {
                takingIt.add(name);
            }
        });
        assertEquals(new java.util.TreeSet<>(Main.TABLES_WITH_COMMAND), takingIt);
    }

    @Test
    void onATerminalWithoutColumnsTheTerminalsWidthCounts() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/script").canExecute(), "script(1) gives the tracker a terminal");
        Path database = directory.resolve("db").resolve("tracker");
        HoldingProcesses.seed(database, HoldingProcesses.pidOfExitedProcess());
        List<String> java = javaMain("leaks", "--live", "--pid", Integer.toString(SELF), "--db", database.toString());
        // a terminal of 100 columns, its output copied to ours; COLUMNS unset
        String shell = "stty cols 100 rows 40 && exec " + String.join(" ", java.stream().map(TableWidthTest::quoted)
                .toList());
        Run run = run(List.of("/usr/bin/script", "-qec", shell, "/dev/null"), Map.of());
        assertEquals(ExitCode.CHECK_FAILED, run.exit(), run.out() + run.err());
        int kept = 100 - ROW.length() - 3;
        assertEquals(HEADINGS + "COMMAND\n" + ROW + LIVE_COMMAND.substring(0, kept) + "...\n",
                run.out().replace("\r\n", "\n"));
    }

    /**
     * Every command whose table shows COMMAND puts it last and cuts only it, through the daemon
     * and on the file: a line longer than the width is its first WIDTH - 3 characters and "...".
     */
    @Test
    void everyTableWithCommandEndsWithItAndCutsOnlyIt() throws Exception {
        Path database = directory.resolve("db").resolve("tracker");
        int dead = HoldingProcesses.pidOfExitedProcess();
        HoldingProcesses.seed(database, dead);
        List<String[]> commands = List.of(new String[] {"ps", "--all"}, new String[] {"audit"},
                new String[] {"audit", "--pid", Integer.toString(dead)}, new String[] {"dump"},
                new String[] {"leaks", "--live"});
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            for (String[] command : commands) {
                assertCutAtCommand(args -> Cli.throughDaemon(database, args), command);
            }
        }
        for (String[] command : commands) {
            assertCutAtCommand(args -> Cli.onFile(with(args, "--db", database.toString())), command);
        }
        // reap changes the database: one of its own for each run, so the times differ
        Path first = directory.resolve("first").resolve("tracker");
        Path second = directory.resolve("second").resolve("tracker");
        HoldingProcesses.seed(first, dead);
        HoldingProcesses.seed(second, dead);
        String whole = Cli.onFile("reap", "--db", first.toString(), "--wide", TerminalWidth.OPTION + "=60").out();
        assertEquals("command", OutputRows.tableHeadings(whole).get(7), whole);
        String wholeRow = whole.lines().skip(1).findFirst().orElseThrow();
        assertTrue(wholeRow.endsWith("  " + HoldingProcesses.DEAD_COMMAND), whole);
        int width = widthKeepingTenOfCommand(wholeRow);
        String cut = Cli.onFile("reap", "--db", second.toString(), TerminalWidth.OPTION + "=" + width).out();
        String cutRow = cut.lines().skip(1).findFirst().orElseThrow();
        Map<String, String> cells = OutputRows.table(cut).get(0);
        String command = cells.get("command");
        assertEquals(width, cutRow.length(), cut);
        assertTrue(cutRow.endsWith("  " + command) && command.endsWith("..."), cut);
        assertTrue(HoldingProcesses.DEAD_COMMAND.startsWith(command.substring(0, command.length() - 3)), cut);
        Map<String, String> wholeCells = OutputRows.table(whole).get(0);
        for (String field : List.of("pid", "reason", "buffers", "cbs", "kernels", "total_bytes")) {
            assertEquals(wholeCells.get(field), cells.get(field), field);
        }
    }

    /** {@code command}'s table, whole and cut to a width that leaves the longest-led COMMAND 10 characters. */
    private static void assertCutAtCommand(Function<String[], Cli.Result> run, String[] command) {
        String whole = run.apply(with(command, "--wide", TerminalWidth.OPTION + "=60")).out();
        List<String> headingLines = whole.lines().filter(line -> line.contains("COMMAND")).toList();
        assertTrue(!headingLines.isEmpty() && headingLines.stream().allMatch(line -> line.endsWith("  COMMAND")),
                whole);
        int width = whole.lines().mapToInt(TableWidthTest::widthKeepingTenOfCommand).max().orElseThrow();
        String cut = run.apply(with(command, TerminalWidth.OPTION + "=" + width)).out();
        List<String> wholeLines = whole.lines().toList();
        List<String> cutLines = cut.lines().toList();
        assertEquals(wholeLines.size(), cutLines.size(), cut);
        int shortened = 0;
        for (int i = 0; i < wholeLines.size(); i++) {
            String line = wholeLines.get(i);
            if (line.length() <= width) {
                assertEquals(line, cutLines.get(i));
            } else {
                assertEquals(line.substring(0, width - 3) + "...", cutLines.get(i), whole);
                shortened++;
            }
        }
        assertTrue(shortened > 0, "no line was cut at " + width + ":\n" + whole);
        assertEquals(whole, run.apply(command).out(), "no width: whole lines");
    }

    /** For a line ending with a command line: the width that leaves 10 of its characters and "...". */
    private static int widthKeepingTenOfCommand(String line) {
        for (String command : List.of(LIVE_COMMAND, HoldingProcesses.DEAD_COMMAND)) {
            if (line.endsWith(command)) {
                return line.length() - command.length() + 13;
            }
        }
        return 0;
    }

    record Run(int exit, String out, String err) {
    }

    /** The tracker in a JVM of its own, through Main, with stdout a pipe and COLUMNS only as given. */
    private Run tracker(Map<String, String> environment, String... args) throws Exception {
        return run(javaMain(args), environment);
    }

    private static List<String> javaMain(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "tracker.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    private Run run(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("COLUMNS");
        builder.environment().putAll(environment);
        Path err = Files.createTempFile(directory, "stderr", ".txt");
        builder.redirectError(err.toFile());
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tracker did not finish");
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static String[] with(String[] args, String... more) {
        String[] out = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, out, args.length, more.length);
        return out;
    }
}
