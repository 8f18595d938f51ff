package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.ChildProcess;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;

/**
 * The shell examples of README.md, read from it (so they cannot drift) and run in its order
 * against a real daemon on a temporary socket and database, while the examples' TT-Metal
 * program holds three DRAM buffers; the examples under "After a crash" run once it was killed
 * with SIGKILL and reaped, through the daemon and again on the file without it.
 *
 * <p>Each command must exit as the README says: 0, unless its comment starts with
 * {@code exit N}. Where the README shows what a command prints, the output must hold those
 * lines in that order, read with these rules: the README's pid ({@value #README_PID}) stands
 * for the program's, a time stands for any time, runs of blanks for one blank, and
 * {@code ...} for lines left out.
 *
 * <p>A command without shell syntax runs in this JVM as {@link Main} runs it (a query through
 * the daemon's command socket, or on the file when no daemon runs; {@code top} here, asking
 * the daemon itself; the database named by
 * {@code --db}, as TRACKER_DB names it to the launcher). A command with shell syntax
 * (redirection, quotes, variables) runs in bash through the launcher cli/tracker, with
 * TRACKER_DB and TRACKER_SOCKET naming the test's database and socket.
 *
 * <p>Commands that cannot run here fall under a named rule ({@link Handling}); a command
 * under none fails the test, so no example is skipped unnoticed.
 */
class ReadmeExamplesTest {

    /** The pid the README's examples show for the TT-Metal program. */
    static final String README_PID = "48213";

    /** The heading whose examples run after the program died holding its buffers. */
    static final String AFTER_THE_CRASH = "After a crash";

    private static final Duration STARTUP = Duration.ofSeconds(20);

    private static final Pattern PLAIN = Pattern.compile("[\\w./:@%+,=-]+( [\\w./:@%+,=-]+)*");
    private static final Pattern REDIRECT = Pattern.compile(">\\s*(\\S+)\\s*$");
    private static final Pattern EXIT = Pattern.compile("^exits? (\\d+)\\b");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");

    /** What this test does with a command of the README; each falls under exactly one. */
    enum Handling {
        RUN("runs, and must exit and print as the README says"),
        THE_DAEMON("tracker serve: the daemon itself; this test runs it (the same code) on a temporary socket and "
                + "database instead of the default ones, before the other examples"),
        THE_PROGRAM("the examples' TT-Metal program: this test runs its stand-in, src/test/python/my_model.py, "
                + "as 'python my_model.py', before the other examples"),
        NOT_THE_TRACKER("another program: the build (mvn), the system's setup (sudo, cd) or the shell's (export; "
                + "source, of the completion script, which ShellCompletionTest sources), not the tracker's to run");

        final String rule;

        Handling(String rule) {
            this.rule = rule;
        }
    }

    /** Programs of README lines that are not the tracker's (see {@link Handling#NOT_THE_TRACKER}). */
    private static final List<String> OTHER_PROGRAMS = List.of("mvn", "sudo", "cd", "export", "source");

    @TempDir
    Path directory;

    private Path checkout;
    private Path database;
    private Path socket;
    private String pid;

    record Result(int exit, String out, String err, String written) {
    }

    /** The link to the interpreter goes first: the temporary directory's cleanup warns of links leading out. */
    @AfterEach
    void removePython() throws IOException {
        Files.deleteIfExists(directory.resolve("bin/python"));
    }

    static Handling handling(ReadmeExamples.Example example) {
        String program = example.program();
        if (program.equals("cli/tracker") || program.equals("tracker")) {
            return example.command().matches("\\S+ serve( .*)?") ? Handling.THE_DAEMON : Handling.RUN;
        }
        if (example.command().equals("python my_model.py")) {
            return Handling.THE_PROGRAM;
        }
        if (OTHER_PROGRAMS.contains(program)) {
            return Handling.NOT_THE_TRACKER;
        }
        throw new AssertionError("no rule for " + example + ": make it runnable here, or give it a rule in "
                + Handling.class.getName());
    }

    @Test
    void everyShellExampleRunsAsTheReadmeSays() throws Exception {
        List<ReadmeExamples.Example> examples = ReadmeExamples.read(Path.of("README.md"));
        Map<ReadmeExamples.Example, Handling> plan = new LinkedHashMap<>();
        for (ReadmeExamples.Example example : examples) {
            plan.put(example, handling(example));
        }
        // the plan in the test's report: what ran, and what did not and by which rule
        plan.forEach((example, handling) -> System.out.println(handling + "  " + example
                + (handling == Handling.RUN ? "" : "  [" + handling.rule + "]")));
        List<ReadmeExamples.Example> runs = plan.entrySet().stream().filter(e -> e.getValue() == Handling.RUN)
                .map(Map.Entry::getKey).toList();
        // an extraction that found nothing (a changed fence, a moved section) must not pass
        assertTrue(runs.size() >= 6, "only " + runs.size() + " runnable examples found: " + runs);
        assertTrue(runs.stream().anyMatch(e -> !e.shown().isEmpty()), "no example shows its output: " + runs);
        assertTrue(runs.stream().anyMatch(e -> !isPlain(e)), "no example runs through the launcher: " + runs);
        assertTrue(runs.stream().anyMatch(e -> e.section().equals(AFTER_THE_CRASH)), "no section " + AFTER_THE_CRASH);
        assertTrue(runs.stream().anyMatch(e -> e.command().contains(README_PID)), "no example names pid " + README_PID);
        for (Handling handling : Handling.values()) {
            assertTrue(plan.containsValue(handling), "the rule " + handling + " applies to nothing: drop it");
        }

        prepareCheckout();
        Map<ReadmeExamples.Example, Result> afterCrash = new LinkedHashMap<>();
        try (TestDaemon daemon = TestDaemon.start(directory.resolve("daemon"))) {
            Cli.serveCommands(daemon.daemon());
            database = daemon.database();
            socket = daemon.socket();
            try (ChildProcess program = startProgram()) {
                for (ReadmeExamples.Example example : runs) {
                    if (example.section().equals(AFTER_THE_CRASH) && program.process().isAlive()) {
                        crash(program);
                    }
                    Result result = run(example);
                    check(example, result);
                    if (example.section().equals(AFTER_THE_CRASH)) {
                        afterCrash.put(example, result);
                    }
                }
            }
        }
        // "Works whether the daemon is still running, was restarted, or is gone"
        for (Map.Entry<ReadmeExamples.Example, Result> entry : afterCrash.entrySet()) {
            Result onFile = run(entry.getKey());
            check(entry.getKey(), onFile);
            Result throughDaemon = entry.getValue();
            assertEquals(List.of(throughDaemon.exit(), throughDaemon.out(), String.valueOf(throughDaemon.written())),
                    List.of(onFile.exit(), onFile.out(), String.valueOf(onFile.written())),
                    "the same answer without the daemon: " + entry.getKey());
        }
    }

    /** The launcher's checkout (see {@link LauncherCheckout}), with the program beside it. */
    private void prepareCheckout() throws IOException, InterruptedException {
        checkout = LauncherCheckout.create(directory.resolve("checkout"));
        Path model = Path.of(System.getProperty("basedir", ".")).resolve("src/test/python/my_model.py");
        Files.copy(model, checkout.resolve("my_model.py"));
        // `python` on PATH: the interpreter itself (not a launcher script such as pyenv's), so
        // that the process's command line is `python my_model.py`
        Process which = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").start();
        String interpreter = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(which.waitFor(30, TimeUnit.SECONDS) && which.exitValue() == 0, "python3 did not start");
        Path bin = Files.createDirectories(directory.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("python"), Path.of(interpreter).toRealPath());
    }

    /** {@code python my_model.py} from the checkout; returns once the daemon holds its buffers. */
    private ChildProcess startProgram() throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "exec python my_model.py").directory(checkout.toFile());
        environment(builder);
        builder.environment().put("TT_ALLOC_TRACKING_ENABLED", "1");
        ChildProcess program = ChildProcess.start(builder);
        Poll.until(STARTUP, () -> program.stdout().stream().anyMatch(line -> line.startsWith("ready "))
                || !program.process().isAlive(), () -> "my_model.py ready: " + program.stdout() + program.stderr());
        pid = program.stdout().stream().filter(line -> line.startsWith("ready ")).findFirst()
                .orElseThrow(() -> new AssertionError("my_model.py ended: " + program.stderr())).substring(6);
        assertEquals(Long.toString(program.process().pid()), pid, "python runs as the process started");
        Await.until("the daemon holds the 3 buffers of my_model.py", () -> Cli.throughDaemon(database, "dump",
                "--pid", pid, "--format", "csv").out().lines().count() == 1 + 3);
        return program;
    }

    /** Kills the program with SIGKILL, as a crash would, and waits for its reap. */
    private void crash(ChildProcess program) {
        HoldClient.kill9(Integer.parseInt(pid));
        Await.until("the reap of " + pid, () -> Cli.throughDaemon(database, "audit", "--pid", pid, "--format", "csv")
                .out().lines().count() > 1);
        assertFalse(program.process().isAlive(), "my_model.py was killed");
    }

    private Result run(ReadmeExamples.Example example) throws IOException, InterruptedException {
        String command = example.command().replace(README_PID, pid);
        if (!isPlain(example)) {
            return throughLauncher(command);
        }
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.remove(0);
        // as Main: a query goes to the daemon's socket; tracker top always runs here, and asks the daemon itself
        if (Main.FORWARDED.contains(args.get(0)) && Files.exists(Main.controlSocketOf(database))) {
            Cli.Result result = Cli.throughDaemon(database, args.toArray(new String[0]));
            return new Result(result.exit(), result.out(), result.err(), null);
        }
        args.addAll(List.of("--db", database.toString()));
        Cli.Result result = Cli.onFile(args.toArray(new String[0]));
        return new Result(result.exit(), result.out(), result.err(), null);
    }

    private Result throughLauncher(String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(checkout.toFile())
                .redirectOutput(directory.resolve("out").toFile()).redirectError(directory.resolve("err").toFile());
        environment(builder);
        Process process = builder.start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "did not finish: " + command);
        Matcher redirect = REDIRECT.matcher(command);
        String written = null;
        if (redirect.find()) {
            Path file = checkout.resolve(redirect.group(1));
            assertTrue(Files.isRegularFile(file), command + " wrote no " + file);
            written = Files.readString(file);
            assertFalse(written.isEmpty(), command + " wrote an empty " + file);
        }
        return new Result(process.exitValue(), Files.readString(directory.resolve("out")),
                Files.readString(directory.resolve("err")), written);
    }

    /** The launcher's and the program's environment: the test's daemon, its Java, its python. */
    private void environment(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        env.put("TRACKER_DB", database.toString());
        env.put("TRACKER_SOCKET", socket.toString());
        env.put("XDG_STATE_HOME", directory.resolve("state").toString());
        LauncherCheckout.environment(checkout, env);
        env.put("PATH", directory.resolve("bin") + File.pathSeparator + env.get("PATH"));
    }

    private static boolean isPlain(ReadmeExamples.Example example) {
        return PLAIN.matcher(example.command()).matches();
    }

    private void check(ReadmeExamples.Example example, Result result) {
        System.out.println("$ " + example.command() + "\n" + result.out() + result.err() + "(exit " + result.exit() + ")");
        Matcher documented = EXIT.matcher(example.comment());
        int exit = documented.find() ? Integer.parseInt(documented.group(1)) : ExitCode.OK;
        assertEquals(exit, result.exit(), example + "\nstdout:\n" + result.out() + "stderr:\n" + result.err());
        List<String> actual = result.out().lines().map(ReadmeExamplesTest::blanks).toList();
        int at = 0;
        for (String shown : example.shown()) {
            if (shown.isBlank() || shown.strip().equals("...")) {
                continue;
            }
            Pattern expected = shownLine(shown.replace(README_PID, pid));
            while (at < actual.size() && !expected.matcher(actual.get(at)).matches()) {
                at++;
            }
            if (at == actual.size()) {
                fail(example + ": the output has no line '" + shown + "' (in this order)\nstdout:\n" + result.out());
            }
            at++;
        }
    }

    /** A line the README shows, as a pattern: blanks collapsed, any time for a time. */
    private static Pattern shownLine(String shown) {
        String line = blanks(shown);
        StringBuilder pattern = new StringBuilder();
        Matcher time = TIME.matcher(line);
        int from = 0;
        while (time.find()) {
            pattern.append(Pattern.quote(line.substring(from, time.start()))).append(TIME.pattern());
            from = time.end();
        }
        return Pattern.compile(pattern.append(Pattern.quote(line.substring(from))).toString());
    }

    private static String blanks(String line) {
        return line.strip().replaceAll("\\s+", " ");
    }
}
