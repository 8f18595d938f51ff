package tracker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A GitHub Actions workflow that README.md shows in a fenced {@code yaml} block whose first
 * line names its file ({@code # .github/workflows/NAME.yml ...}), read with a YAML 1.2 parser,
 * as GitHub reads workflows ({@code on:} is a key, not the boolean of YAML 1.1).
 *
 * <p>Only what {@link ActionsRunner} carries out is accepted: a key it does not know
 * ({@code defaults}, {@code timeout-minutes}, {@code services} ...) fails the reading, so a
 * workflow the README grows is never run with a part silently left out.
 *
 * @param path the workflow file, which names the workflow (GITHUB_WORKFLOW) when it has no {@code name:}
 * @param name its {@code name:}, or null
 * @param env its {@code env:}
 * @param jobs its jobs by id, in order
 */
record ActionsWorkflow(String path, String name, Map<String, String> env, Map<String, Job> jobs) {

    /** A job: its {@code env:} and steps. */
    record Job(Map<String, String> env, List<Step> steps) {
    }

    /**
     * A step.
     *
     * @param name its {@code name:}, else what it uses or runs
     * @param uses the action it uses, or null
     * @param run the script it runs, or null
     * @param condition its {@code if:}, or null (which is {@code success()})
     * @param shell its {@code shell:}, or null
     * @param env its {@code env:}
     */
    record Step(String name, String uses, String run, String condition, String shell, Map<String, String> env) {
        @Override
        public String toString() {
            return "step '" + name + "'";
        }
    }

    private static final Set<String> WORKFLOW_KEYS = Set.of("name", "on", "env", "jobs");
    private static final Set<String> JOB_KEYS = Set.of("runs-on", "env", "steps");
    private static final Set<String> STEP_KEYS = Set.of("name", "uses", "with", "run", "if", "shell", "env");
    private static final Pattern BLOCK = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);
    private static final Pattern FILE = Pattern.compile("\\A# (\\.github/workflows/[\\w.-]+\\.ya?ml)\\b");

    /** The workflows of the README's section {@code ## heading}, by file, in order. */
    static Map<String, ActionsWorkflow> inReadme(Path readme, String heading) throws IOException {
        String text = Files.readString(readme);
        int start = text.indexOf("\n## " + heading + "\n");
        if (start < 0) {
            throw new AssertionError(readme + " has no section '## " + heading + "'");
        }
        int end = text.indexOf("\n## ", start + 1);
        Matcher block = BLOCK.matcher(text.substring(start, end < 0 ? text.length() : end));
        Map<String, ActionsWorkflow> workflows = new LinkedHashMap<>();
        while (block.find()) {
            ActionsWorkflow workflow = parse(block.group(1));
            workflows.put(workflow.path(), workflow);
        }
        return workflows;
    }

    static ActionsWorkflow parse(String yaml) {
        Matcher file = FILE.matcher(yaml);
        if (!file.find()) {
            throw new AssertionError("a workflow whose first line does not name its file: " + yaml);
        }
        Map<String, Object> root = map(new Load(LoadSettings.builder().build()).loadFromString(yaml), "the workflow",
                WORKFLOW_KEYS);
        Map<String, Job> jobs = new LinkedHashMap<>();
        map(root.get("jobs"), "jobs", null).forEach((id, value) -> {
            Map<String, Object> job = map(value, "job " + id, JOB_KEYS);
            List<Step> steps = new ArrayList<>();
            for (Object item : list(job.get("steps"), "the steps of job " + id)) {
                Map<String, Object> step = map(item, "a step of job " + id, STEP_KEYS);
                String uses = text(step.get("uses"));
                String run = text(step.get("run"));
                if ((uses == null) == (run == null)) {
                    throw new AssertionError("a step with both or neither of uses: and run: " + step);
                }
                String name = step.containsKey("name") ? text(step.get("name")) : uses != null ? uses : run;
                steps.add(new Step(name, uses, run, text(step.get("if")), text(step.get("shell")),
                        strings(step.get("env"), name)));
            }
            jobs.put(id, new Job(strings(job.get("env"), "job " + id), List.copyOf(steps)));
        });
        return new ActionsWorkflow(file.group(1), text(root.get("name")), strings(root.get("env"), "the workflow"),
                jobs);
    }

    /** The same workflow with {@code edit} applied to every env value and script (an address, a host name). */
    ActionsWorkflow editing(UnaryOperator<String> edit) {
        Map<String, Job> edited = new LinkedHashMap<>();
        jobs.forEach((id, job) -> edited.put(id, new Job(edit(job.env(), edit), job.steps().stream()
                .map(step -> new Step(step.name(), step.uses(), step.run() == null ? null : edit.apply(step.run()),
                        step.condition(), step.shell(), edit(step.env(), edit))).toList())));
        return new ActionsWorkflow(path, name, edit(env, edit), edited);
    }

    private static Map<String, String> edit(Map<String, String> env, UnaryOperator<String> edit) {
        Map<String, String> edited = new LinkedHashMap<>();
        env.forEach((key, value) -> edited.put(key, edit.apply(value)));
        return edited;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String what, Set<String> known) {
        if (!(value instanceof Map)) {
            throw new AssertionError(what + " is no mapping: " + value);
        }
        Map<String, Object> map = (Map<String, Object>) value;
        if (known != null && !known.containsAll(map.keySet())) {
            throw new AssertionError(what + " has keys that are not carried out here: " + map.keySet());
        }
        return map;
    }

    private static List<?> list(Object value, String what) {
        if (!(value instanceof List<?> list)) {
            throw new AssertionError(what + " is no list: " + value);
        }
        return list;
    }

    /** A scalar as Actions reads it into text ({@code "1"} and {@code 1} alike). */
    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static Map<String, String> strings(Object value, String what) {
        Map<String, String> env = new LinkedHashMap<>();
        if (value != null) {
            map(value, "the env of " + what, null).forEach((key, scalar) -> env.put(key, text(scalar)));
        }
        return env;
    }
}
