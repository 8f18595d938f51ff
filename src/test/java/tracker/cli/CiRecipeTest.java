package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import tracker.cli.ActionsRunner.Outcome;
import tracker.report.Bytes;
import tracker.testing.AllocGen;
import tracker.testing.PostgresServer;

/**
 * The README's "CI across runs" recipe, run as written: its two workflows read from README.md
 * ({@link ActionsWorkflow}) and their steps run as a GitHub Actions runner runs them
 * ({@link ActionsRunner}), on a real PostgreSQL fleet store and real client processes.
 *
 * <p>Two jobs of one run of the GPU workflow, on two runners, each with its own daemon and
 * database, ship to the one store: the README's job {@code gpu-tests}, whose tests leak
 * nothing, and the same steps as the job {@code model-tests}, where one test process is killed
 * with {@code kill -9} holding memory. Then the weekly workflow's query runs on the store, after
 * both daemons were stopped by the recipe's own step.
 *
 * <p>What differs from a real run, and why:
 * <ul>
 * <li>the store's address in the README (the jobs' TRACKER_SHIP_TO, which the weekly query names
 *     too) is this test's server, and the secret FLEET_DB_PASSWORD its password;</li>
 * <li>{@code pytest tests/} (a project's own tests) is replaced by allocgen clients, the shared
 *     load generator, which report as a TT-Metal process does;</li>
 * <li>the workspace is {@link LauncherCheckout}'s (in place of actions/checkout): the launcher
 *     runs the classes under test, never a Maven build, and leaks.xml is written in the runner's
 *     own workspace, not in this checkout;</li>
 * <li>the runners' machine environment sets TRACKER_SOCKET (two runners share this machine, and
 *     the default socket is the machine's) and TRACKER_HEAP=128m (a small heap for a test).</li>
 * </ul>
 */
class CiRecipeTest {

    private static final String SECTION = "CI across runs";
    private static final String GPU_TESTS = ".github/workflows/gpu-tests.yml";
    private static final String WEEKLY = ".github/workflows/weekly-leaks.yml";
    private static final String TESTS_STEP = "pytest tests/";

    /** The buffers the killed client holds: allocgen {@code -w 10 -n 10}, all of its allocations. */
    private static final int HELD = 10;
    private static final long HELD_DRAM = AllocGen.windowBytes(HELD, true);
    private static final long HELD_L1 = AllocGen.windowBytes(HELD, false);

    /** Three clients that free all they allocate (a window of one, an even count of messages). */
    private static final String CLEAN_TESTS = """
            allocgen -P -s "$TRACKER_SOCKET" -k 3 -n 200 -w 1
            """;

    /**
     * Two clean clients, and one that is killed with kill -9 once the daemon holds all its
     * buffers (with -x it sends them, then waits to be killed; its "client pid=P" line is
     * written at once, the rest of its output as it exits).
     */
    private static final String LEAKING_TESTS = """
            allocgen -P -s "$TRACKER_SOCKET" -k 2 -n 200 -w 1
            allocgen -P -x -H 600000 -s "$TRACKER_SOCKET" -k 1 -n %d -w %d > "$RUNNER_TEMP/crashing" &
            until grep -q '^client pid=' "$RUNNER_TEMP/crashing"; do sleep 0.1; done
            pid="$(sed -n 's/^client pid=//p' "$RUNNER_TEMP/crashing")"
            held() { cli/tracker dump --db "$RUNNER_TEMP/tracker" --pid "$pid" --format csv | grep -c "^$pid,"; }
            until [ "$(held)" = %d ]; do sleep 0.1; done
            kill -9 "$pid"
            wait "$!"
            cat "$RUNNER_TEMP/crashing"
            """.formatted(HELD, HELD, HELD);

    private static final Pattern CLIENT = Pattern.compile("^client pid=(\\d+)$", Pattern.MULTILINE);
    private static final Pattern CRASHED = Pattern.compile("^crashed pid=(\\d+) live_buffers=(\\d+) live_bytes=(\\d+)$",
            Pattern.MULTILINE);

    @TempDir
    Path directory;

    /** A job as it went on its runner, and the pids of its test processes. */
    private record Job(String id, ActionsRunner runner, ActionsRunner.JobRun run, Path workspace,
                       List<Integer> clients) {
        Path database() {
            return runner.temp().resolve("tracker");
        }
    }

    @Test
    void jobsShipToOneStoreGateOnTheirOwnLeaksAndTheWeeklyQueryCountsThemPerJob() throws Exception {
        Map<String, ActionsWorkflow> readme = ActionsWorkflow.inReadme(Path.of("README.md"), SECTION);
        assertEquals(List.of(GPU_TESTS, WEEKLY), List.copyOf(readme.keySet()), "the workflows of the README's recipe");
        String address = readme.get(GPU_TESTS).env().get("TRACKER_SHIP_TO");
        assertTrue(readme.get(WEEKLY).jobs().values().stream().flatMap(job -> job.steps().stream())
                .anyMatch(step -> step.run() != null && step.run().contains(address)),
                "the weekly query asks the store the jobs ship to, " + address);
        assertEquals(1, readme.get(GPU_TESTS).jobs().get("gpu-tests").steps().stream()
                .filter(step -> TESTS_STEP.equals(step.run())).count(), "the job's tests are one step: " + TESTS_STEP);

        try (PostgresServer postgres = PostgresServer.start()) {
            String database = postgres.createDatabase();
            UnaryOperator<String> toTestStore = text -> text.replace(address, postgres.url(database));
            ActionsWorkflow gpuTests = readme.get(GPU_TESTS).editing(toTestStore);
            ActionsWorkflow weekly = readme.get(WEEKLY).editing(toTestStore);
            Map<String, String> secrets = Map.of("FLEET_DB_PASSWORD", postgres.password());
            ActionsRunner.Run run = new ActionsRunner.Run("9100000001", secrets);

            Job clean = job(gpuTests, "gpu-tests", run, "tt-runner-1", CLEAN_TESTS);
            Job leaking = job(gpuTests, "model-tests", run, "tt-runner-2", LEAKING_TESTS);

            assertGatePassed(clean);
            assertGateFailedOn(leaking);
            String store = "postgresql://" + PostgresServer.USER + ":" + postgres.password() + "@127.0.0.1:"
                    + postgres.port() + "/" + database;
            for (Job job : List.of(clean, leaking)) {
                assertStoppedAndShippedWhole(job, store, run);
            }

            // the weekly query, on what the daemons shipped up to their stop: one row, the leaking
            // job's, its one leak on its one runner and the bytes the killed client held
            ActionsRunner hosted = runner("GitHub Actions 3");
            Path workspace = Files.createDirectories(directory.resolve("weekly-workspace"));
            ActionsRunner.JobRun week = hosted.run(weekly, "leaks-per-job", "leaks-per-job",
                    new ActionsRunner.Run("9100000002", secrets), workspace, Map.of());
            ActionsRunner.StepRun query = week.step("Leaks per job");
            assertEquals(Outcome.SUCCESS, query.outcome(), query.toString());
            assertEquals(List.of(List.of("workflow", "job", "leaks", "runners", "leaked_bytes"),
                            List.of(GPU_TESTS, "model-tests", "1", "1", Long.toString(HELD_DRAM + HELD_L1))),
                    psqlTable(query.stdout()), query.toString());
            assertEquals(query.stdout(), week.summary(), "the step summary shows the table");
            System.out.println("the weekly query's answer:\n" + query.stdout());

            // and a query that fails (the store refuses the password) fails the weekly job, tee or not
            ActionsRunner.StepRun refused = hosted.run(weekly, "leaks-per-job", "leaks-per-job",
                    new ActionsRunner.Run("9100000003", Map.of("FLEET_DB_PASSWORD", "not-" + postgres.password())),
                    workspace, Map.of()).step("Leaks per job");
            assertEquals(Outcome.FAILURE, refused.outcome(), refused.toString());
            assertTrue(refused.stderr().contains("password authentication failed"), refused.toString());
        }
    }

    /** A runner of its own on this machine: its socket, a small heap, allocgen on PATH, a home of its own. */
    private ActionsRunner runner(String name) throws Exception {
        Path root = directory.resolve(name.replace(' ', '-'));
        Map<String, String> machine = new HashMap<>(System.getenv());
        // nothing of the machine this test runs on (a CI job itself, maybe) reaches the jobs
        machine.keySet().removeIf(key -> key.startsWith("GITHUB_") || key.startsWith("RUNNER_")
                || key.startsWith("TRACKER_") || key.startsWith("PG") || key.startsWith("TT_") || key.equals("CI"));
        machine.put("HOME", Files.createDirectories(root.resolve("home")).toString());
        machine.put("JAVA_HOME", System.getProperty("java.home"));
        machine.put("PATH", AllocGen.binary().getParent() + File.pathSeparator + System.getenv("PATH"));
        machine.put("TRACKER_SOCKET", root.resolve("tt.sock").toString());
        machine.put("TRACKER_HEAP", "128m");
        return new ActionsRunner(name, root, machine);
    }

    /** The README's job {@code gpu-tests} run as the job {@code id} on a runner of its own, with {@code tests}. */
    private Job job(ActionsWorkflow workflow, String id, ActionsRunner.Run run, String runnerName, String tests)
            throws Exception {
        ActionsRunner runner = runner(runnerName);
        Path workspace = LauncherCheckout.create(directory.resolve(runnerName).resolve("work"));
        ActionsRunner.JobRun job = runner.run(workflow, "gpu-tests", id, run, workspace, Map.of(TESTS_STEP, tests));
        List<Integer> clients = new ArrayList<>();
        Matcher client = CLIENT.matcher(job.step("Tests").stdout());
        while (client.find()) {
            clients.add(Integer.parseInt(client.group(1)));
        }
        return new Job(id, runner, job, workspace, List.copyOf(clients));
    }

    /** The clean job passes its gate: every process of the job is a test case, and none failed. */
    private static void assertGatePassed(Job clean) throws Exception {
        assertEquals(List.of(Outcome.SKIPPED, Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS),
                outcomes(clean), clean.run().steps().toString());
        assertEquals(3, clean.clients().size(), clean.run().steps().toString());
        Element report = junit(clean.workspace().resolve("leaks.xml"));
        assertEquals("3", report.getAttribute("tests"));
        assertEquals("0", report.getAttribute("failures"));
        assertEquals(testCaseNames(clean.clients()), testCaseNames(report));
    }

    /**
     * The leaking job fails at its gate (exit 1), on the killed client alone, and its tracker is
     * stopped all the same ({@code if: always()}).
     */
    private static void assertGateFailedOn(Job leaking) throws Exception {
        assertEquals(List.of(Outcome.SKIPPED, Outcome.SUCCESS, Outcome.SUCCESS, Outcome.FAILURE, Outcome.SUCCESS),
                outcomes(leaking), leaking.run().steps().toString());
        assertEquals(1, leaking.run().step("No device-memory leaks").exit());
        Matcher crashed = CRASHED.matcher(leaking.run().step("Tests").stdout());
        assertTrue(crashed.find(), leaking.run().step("Tests").toString());
        int killed = Integer.parseInt(crashed.group(1));
        assertEquals(List.of(Integer.toString(HELD), Long.toString(HELD_DRAM + HELD_L1)),
                List.of(crashed.group(2), crashed.group(3)), "what allocgen says its client held");
        assertEquals(3, leaking.clients().size(), leaking.run().step("Tests").toString());
        assertTrue(leaking.clients().contains(killed), leaking.clients() + " " + killed);

        Element report = junit(leaking.workspace().resolve("leaks.xml"));
        assertEquals("3", report.getAttribute("tests"));
        assertEquals("1", report.getAttribute("failures"));
        assertEquals(testCaseNames(leaking.clients()), testCaseNames(report));
        NodeList failures = report.getElementsByTagName("failure");
        assertEquals(1, failures.getLength());
        Element failure = (Element) failures.item(0);
        Element failed = (Element) failure.getParentNode();
        String name = failed.getAttribute("name");
        assertTrue(name.startsWith("pid " + killed + ": allocgen "), name);
        assertTrue(failure.getAttribute("message").startsWith("died holding " + HELD + " buffers, 0 circular buffers,"
                + " 0 kernels: " + Bytes.human(HELD_DRAM + HELD_L1) + " ("), failure.getAttribute("message"));
        String held = failure.getTextContent();
        assertTrue(held.contains("device 0 DRAM: " + HELD / 2 + " buffers, " + HELD_DRAM + " bytes\n")
                && held.contains("device 0 L1: " + HELD / 2 + " buffers, " + HELD_L1 + " bytes\n"), held);
        String tags = failed.getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(tags.contains("GITHUB_JOB=model-tests;") && tags.contains("suite=gpu-tests"), tags);
    }

    /**
     * The recipe's stop step ended the job's daemon, which shipped its last records as it stopped:
     * the store holds every test process of the job, under its runner, with the job's tags, as
     * the runner's own file has them after the stop.
     */
    private static void assertStoppedAndShippedWhole(Job job, String store, ActionsRunner.Run run) throws Exception {
        // nothing of the job was left for the runner to kill as the job ended
        assertEquals(List.of(), job.run().orphans(), job.id() + ": left running as the job ended");
        List<String> log = Files.readAllLines(job.runner().temp().resolve("tracker.log"));
        assertTrue(log.get(log.size() - 1).matches("\\S+ stopped: .*"), job.id() + "'s daemon log: " + log);
        assertTrue(log.stream().noneMatch(line -> line.contains("the fleet store is behind")), log.toString());

        List<Map<String, String>> shipped = csv("ps", "--all", "--db", store, "--host", job.runner().name());
        assertEquals(Set.copyOf(job.clients()), shipped.stream().map(row -> Integer.parseInt(row.get("pid")))
                .collect(Collectors.toSet()), shipped.toString());
        for (Map<String, String> row : shipped) {
            Set<String> tags = Set.of(row.get("tags").split(";"));
            assertTrue(tags.containsAll(Set.of("GITHUB_JOB=" + job.id(), "GITHUB_WORKFLOW=" + GPU_TESTS,
                    "GITHUB_RUN_ID=" + run.id(), "RUNNER_NAME=" + job.runner().name(), "suite=gpu-tests")),
                    row.toString());
        }
        List<Map<String, String>> local = csv("ps", "--all", "--db", job.database().toString());
        shipped.forEach(row -> row.remove("host"));
        assertEquals(local, shipped, job.id() + ": the store against the runner's file");
        System.out.println(job.id() + " in the store:\n" + shipped.stream().map(Map::toString)
                .collect(Collectors.joining("\n")));
    }

    private static List<Outcome> outcomes(Job job) {
        return job.run().steps().stream().map(ActionsRunner.StepRun::outcome).toList();
    }

    private static List<Map<String, String>> csv(String... args) {
        List<String> command = new ArrayList<>(Arrays.asList(args));
        command.addAll(List.of("--format", "csv"));
        Cli.Result result = Cli.onFile(command.toArray(String[]::new));
        assertEquals(ExitCode.OK, result.exit(), result.err());
        return OutputRows.csv(result.out());
    }

    /** The {@code testsuites} element of a JUnit report. */
    private static Element junit(Path report) throws Exception {
        assertTrue(Files.isRegularFile(report), report + " was not written");
        Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                .getDocumentElement();
        assertEquals("testsuites", root.getTagName());
        return root;
    }

    private static Set<String> testCaseNames(Element report) {
        NodeList cases = report.getElementsByTagName("testcase");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < cases.getLength(); i++) {
            String name = ((Element) cases.item(i)).getAttribute("name");
            names.add(name.substring(0, name.indexOf(':')));
        }
        return names;
    }

    private static Set<String> testCaseNames(List<Integer> pids) {
        return pids.stream().map(pid -> "pid " + pid).collect(Collectors.toSet());
    }

    /** The cells of psql's aligned table: its header, then its rows (the line of dashes left out). */
    private static List<List<String>> psqlTable(String output) {
        return output.lines().filter(line -> !line.isBlank() && !line.matches("[-+]+"))
                .map(line -> Arrays.stream(line.split("\\|", -1)).map(String::strip).toList()).toList();
    }
}
