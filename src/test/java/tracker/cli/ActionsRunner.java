package tracker.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A GitHub Actions runner on this machine: runs a job of an {@link ActionsWorkflow} as the
 * Linux runner does, so that a workflow the README shows is run as written.
 *
 * <ul>
 * <li>A {@code run:} script is written to a file under RUNNER_TEMP and run as {@code bash -e FILE}
 *     (the default shell; {@code shell: bash} is {@code bash --noprofile --norc -eo pipefail FILE}),
 *     in the workspace, with no standard input. A {@code uses:} step (an action) is skipped.</li>
 * <li>Its environment: the runner machine's, then the runner's own variables (GITHUB_WORKFLOW,
 *     GITHUB_JOB, GITHUB_RUN_ID, RUNNER_NAME, RUNNER_TEMP ...), then what earlier steps wrote to
 *     GITHUB_ENV ({@code KEY=VALUE} lines), then the workflow's, the job's and the step's
 *     {@code env:}, the later over the earlier. In env values {@code ${{ secrets.NAME }}} is the
 *     secret; no other expression is known here.</li>
 * <li>A step runs while no earlier one failed, unless its {@code if:} is {@code always()}.</li>
 * <li>RUNNER_TEMP is emptied as the job starts (a runner empties it as the job ends too; here it
 *     is kept, for the test to read). As the job ends, every process that still carries the
 *     job's RUNNER_TRACKING_ID in its environment is killed with SIGKILL: the runner's "Cleaning
 *     up orphan processes", which ends a daemon the job did not stop.</li>
 * </ul>
 * Not thread-safe: one job at a time.
 */
final class ActionsRunner {

    private static final Pattern SECRET = Pattern.compile("\\$\\{\\{\\s*secrets\\.(\\w+)\\s*}}");
    private static final long STEP_TIMEOUT_S = 150; // above the recipe's own wait-ready --timeout 120s

    /** One run of a workflow: its id, shared by its jobs, and the repository's secrets. */
    record Run(String id, Map<String, String> secrets) {
    }

    enum Outcome { SUCCESS, FAILURE, SKIPPED }

    /** A step as it went: the script run (null when none), its exit status and its log. */
    record StepRun(ActionsWorkflow.Step step, String script, Outcome outcome, int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return step + ": " + outcome + " (exit " + exit + ")\n" + script + "stdout:\n" + stdout
                    + "stderr:\n" + stderr;
        }
    }

    /**
     * A job as it went.
     *
     * @param steps its steps, in order
     * @param summary what its steps wrote to GITHUB_STEP_SUMMARY
     * @param orphans the command lines of the processes killed as it ended
     */
    record JobRun(List<StepRun> steps, String summary, List<String> orphans) {
        StepRun step(String namePrefix) {
            return steps.stream().filter(run -> run.step().name().startsWith(namePrefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no step named '" + namePrefix + "...' in " + steps));
        }
    }

    private final String name;
    private final Path root;
    private final Map<String, String> machine;

    /**
     * @param name its RUNNER_NAME
     * @param root where its directories go (temp, workspace, logs)
     * @param machine the environment of the runner's machine
     */
    ActionsRunner(String name, Path root, Map<String, String> machine) throws IOException {
        this.name = name;
        this.root = Files.createDirectories(root);
        this.machine = Map.copyOf(machine);
    }

    String name() {
        return name;
    }

    /** RUNNER_TEMP. */
    Path temp() {
        return root.resolve("temp");
    }

    /**
     * Runs the job {@code jobId} of {@code workflow}, as the job {@code as} (GITHUB_JOB; a copy of
     * a job under another id), in {@code workspace}. {@code replaced} gives, for a step's script,
     * the script that runs instead (the project's own tests, which are not the README's).
     */
    JobRun run(ActionsWorkflow workflow, String jobId, String as, Run run, Path workspace, Map<String, String> replaced)
            throws IOException, InterruptedException {
        ActionsWorkflow.Job job = workflow.jobs().get(jobId);
        if (job == null) {
            throw new AssertionError(workflow.path() + " has no job " + jobId + ": " + workflow.jobs().keySet());
        }
        deleteTree(temp());
        Files.createDirectories(temp());
        Path logs = Files.createDirectories(root.resolve("logs").resolve(as));
        String trackingId = UUID.randomUUID().toString();
        Map<String, String> exported = new LinkedHashMap<>();
        StringBuilder summary = new StringBuilder();
        List<StepRun> steps = new ArrayList<>();
        boolean failed = false;
        for (int number = 1; number <= job.steps().size(); number++) {
            ActionsWorkflow.Step step = job.steps().get(number - 1);
            if (step.uses() != null || !runs(step.condition(), failed)) {
                steps.add(new StepRun(step, null, Outcome.SKIPPED, 0, "", ""));
                continue;
            }
            String script = replaced.getOrDefault(step.run(), step.run());
            Path githubEnv = Files.createFile(temp().resolve("github_env_" + number));
            Path stepSummary = Files.createFile(temp().resolve("step_summary_" + number));
            Path file = temp().resolve(UUID.randomUUID() + ".sh");
            Files.writeString(file, script);
            List<String> command = "bash".equals(step.shell())
                    ? List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", file.toString())
                    : List.of("bash", "-e", file.toString());
            if (step.shell() != null && !"bash".equals(step.shell())) {
                throw new AssertionError(step + ": shell " + step.shell() + " is not carried out here");
            }
            Path out = logs.resolve(number + ".out");
            Path err = logs.resolve(number + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workspace.toFile())
                    .redirectInput(new File("/dev/null")).redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            env.clear();
            env.putAll(machine);
            env.putAll(Map.of("CI", "true", "GITHUB_ACTIONS", "true", "RUNNER_OS", "Linux",
                    "GITHUB_WORKFLOW", workflow.name() != null ? workflow.name() : workflow.path(),
                    "GITHUB_JOB", as, "GITHUB_RUN_ID", run.id(), "GITHUB_RUN_ATTEMPT", "1",
                    "GITHUB_WORKSPACE", workspace.toString(), "RUNNER_NAME", name, "RUNNER_TEMP", temp().toString()));
            env.putAll(Map.of("RUNNER_TRACKING_ID", trackingId, "GITHUB_ENV", githubEnv.toString(),
                    "GITHUB_STEP_SUMMARY", stepSummary.toString()));
            env.putAll(exported);
            env.putAll(evaluate(workflow.env(), run));
            env.putAll(evaluate(job.env(), run));
            env.putAll(evaluate(step.env(), run));
            Process process = builder.start();
            if (!process.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
            int exit = process.exitValue();
            steps.add(new StepRun(step, script, exit == 0 ? Outcome.SUCCESS : Outcome.FAILURE, exit,
                    Files.readString(out), Files.readString(err)));
            failed |= exit != 0;
            exported.putAll(exports(githubEnv, step));
            summary.append(Files.readString(stepSummary));
        }
        return new JobRun(List.copyOf(steps), summary.toString(), killOrphans(trackingId));
    }

    private static boolean runs(String condition, boolean failed) {
        String test = condition == null ? "success()" : condition.replaceAll("^\\$\\{\\{\\s*|\\s*}}$", "").strip();
        return switch (test) {
            case "success()" -> !failed;
            case "failure()" -> failed;
            case "always()" -> true;
            default -> throw new AssertionError("if: " + condition + " is not carried out here");
        };
    }

    private static Map<String, String> evaluate(Map<String, String> env, Run run) {
        Map<String, String> values = new LinkedHashMap<>();
        env.forEach((key, value) -> {
            Matcher secret = SECRET.matcher(value);
            String evaluated = secret.replaceAll(match -> Matcher.quoteReplacement(
                    run.secrets().getOrDefault(match.group(1), ""))); // an unknown secret is empty, as on GitHub
            if (evaluated.contains("${{")) {
                throw new AssertionError("the expression in " + key + ": " + value + " is not carried out here");
            }
            values.put(key, evaluated);
        });
        return values;
    }

    /** The variables a step wrote to GITHUB_ENV, one {@code KEY=VALUE} a line. */
    private static Map<String, String> exports(Path githubEnv, ActionsWorkflow.Step step) throws IOException {
        Map<String, String> exports = new LinkedHashMap<>();
        for (String line : Files.readAllLines(githubEnv, StandardCharsets.UTF_8)) {
            int equals = line.indexOf('=');
            if (equals <= 0 || line.contains("<<") && line.indexOf("<<") < equals) {
                throw new AssertionError(step + " wrote a GITHUB_ENV line that is not carried out here: " + line);
            }
            exports.put(line.substring(0, equals), line.substring(equals + 1));
        }
        return exports;
    }

    /** SIGKILL to every process whose environment holds the job's tracking id; their command lines. */
    private static List<String> killOrphans(String trackingId) throws IOException {
        byte[] mark = ("RUNNER_TRACKING_ID=" + trackingId + "\0").getBytes(StandardCharsets.UTF_8);
        List<String> killed = new ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(path -> path.getFileName().toString().matches("\\d+")).toList()) {
                byte[] environ;
                try {
                    environ = Files.readAllBytes(process.resolve("environ"));
                } catch (IOException gone) {
                    continue;
                }
                if (indexOf(environ, mark) >= 0) {
                    ProcessHandle.of(Long.parseLong(process.getFileName().toString())).ifPresent(handle -> {
                        killed.add(handle.pid() + " " + handle.info().commandLine().orElse("?"));
                        handle.destroyForcibly();
                        handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
                    });
                }
            }
        }
        return killed;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (i > 0 && haystack[i - 1] != 0) {
                continue; // a variable starts after a NUL
            }
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
