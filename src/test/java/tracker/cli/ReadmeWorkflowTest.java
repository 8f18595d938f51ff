package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GitHub Actions example of README.md ("In CI"), read from it, its steps run as a runner
 * runs them ({@code bash -e}) in a checkout with the launcher (see {@link LauncherCheckout}):
 * the daemon started in the background and waited for, and the leak gate of the job. Each step
 * must succeed; the daemon must then stop cleanly on SIGTERM.
 *
 * <p>Set for every step, as a runner would and as a test must: RUNNER_TEMP and GITHUB_ENV (a
 * temporary directory and file; what a step appends to GITHUB_ENV is in the environment of the
 * next), TRACKER_SOCKET (a socket of its own: the default one is the machine's) and
 * TRACKER_HEAP=64m (a test's daemon needs no 1 GiB heap). A step that runs no tracker command
 * (the job's own tests, pytest) is not the tracker's and is left out, by name in the report.
 */
class ReadmeWorkflowTest {

    @TempDir
    Path directory;

    @Test
    void theCiExampleStartsTheDaemonAndPassesTheLeakGate() throws Exception {
        List<ReadmeExamples.Step> steps = ReadmeExamples.workflowSteps(Path.of("README.md"), "In CI (GitHub Actions)");
        List<ReadmeExamples.Step> tracker = steps.stream().filter(step -> step.script().contains("cli/tracker")).toList();
        steps.stream().filter(step -> !tracker.contains(step))
                .forEach(step -> System.out.println("left out, not the tracker's: " + step + ": " + step.script()));
        assertTrue(tracker.size() >= 2, "the README's workflow has no steps with tracker commands: " + steps);
        assertTrue(tracker.get(0).script().contains("serve"), "the first step starts no daemon: " + tracker.get(0));

        Path checkout = LauncherCheckout.create(directory.resolve("checkout"));
        Path runner = Files.createDirectories(directory.resolve("runner"));
        Path githubEnv = Files.createFile(runner.resolve("github_env"));
        Path database = runner.resolve("tracker");
        Map<String, String> jobEnv = new LinkedHashMap<>();
        try {
            for (ReadmeExamples.Step step : tracker) {
                ProcessBuilder builder = new ProcessBuilder("bash", "-e", "-c", step.script())
                        .directory(checkout.toFile())
                        .redirectOutput(directory.resolve("out").toFile())
                        .redirectError(directory.resolve("err").toFile());
                Map<String, String> env = builder.environment();
                LauncherCheckout.environment(checkout, env);
                env.put("RUNNER_TEMP", runner.toString());
                env.put("GITHUB_ENV", githubEnv.toString());
                env.put("TRACKER_SOCKET", runner.resolve("tracker.sock").toString());
                env.put("TRACKER_HEAP", "64m");
                env.put("XDG_STATE_HOME", directory.resolve("state").toString());
                env.putAll(jobEnv);
                Process process = builder.start();
                process.getOutputStream().close();
                assertTrue(process.waitFor(150, TimeUnit.SECONDS), step + " did not finish");
                assertEquals(0, process.exitValue(), step + " failed:\n" + step.script() + "stdout:\n"
                        + Files.readString(directory.resolve("out")) + "stderr:\n"
                        + Files.readString(directory.resolve("err")));
                for (String line : Files.readAllLines(githubEnv)) {
                    jobEnv.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
                System.out.println("passed: " + step + "\n" + Files.readString(directory.resolve("out")));
            }
            assertTrue(jobEnv.containsKey("TRACKER_SINCE"), "the first step set no TRACKER_SINCE: " + jobEnv);
            assertTrue(daemonOf(database).isPresent(), "no daemon runs on " + database);
        } finally {
            daemonOf(database).ifPresent(daemon -> {
                daemon.destroy(); // SIGTERM: commit and stop
                daemon.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
        }
        List<String> log = Files.readAllLines(runner.resolve("tracker.log"));
        // after the time of day: "stopped: 0 events committed, 0 malformed frames in all"
        assertTrue(log.get(log.size() - 1).matches("\\S+ stopped: 0 events committed, .*"),
                "the daemon's log ends with: " + log);
    }

    /**
     * The daemon the first step left running: a background job of a shell that has ended, so
     * no child of this JVM; found by the database path it was started with, which is this
     * test's own.
     */
    private static Optional<ProcessHandle> daemonOf(Path database) {
        return ProcessHandle.allProcesses().filter(process -> process.info().arguments()
                .map(arguments -> Arrays.asList(arguments).contains(database.toString())).orElse(false)
                && process.info().command().map(command -> command.endsWith("/java")).orElse(false)).findFirst();
    }
}
