package tracker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The shell examples of README.md, read from its fenced {@code sh} and {@code bash} blocks:
 * one command a line. In a block whose commands are shown after a {@code $ } prompt, the
 * lines up to the next prompt are what the command printed. A comment after a command
 * ({@code   # what it does}) is kept apart from it. Also the steps of the GitHub Actions
 * workflows it shows, from its {@code yaml} blocks.
 */
final class ReadmeExamples {

    /**
     * One command of the README.
     *
     * @param section the heading the example stands under
     * @param line its line in the README, for messages
     * @param command the command as typed, without prompt or comment
     * @param comment the comment after it, or ""
     * @param shown the lines the README shows it printing (empty when it shows none)
     */
    record Example(String section, int line, String command, String comment, List<String> shown) {

        /** The first word: the program the line runs. */
        String program() {
            return command.split("\\s+", 2)[0];
        }

        @Override
        public String toString() {
            return "README.md:" + line + " (" + section + "): " + command;
        }
    }

    /**
     * One step of a GitHub Actions workflow the README shows (a fenced {@code yaml} block).
     *
     * @param name its {@code name:}
     * @param line its line in the README, for messages
     * @param script what its {@code run:} runs, unindented ("" for a step without)
     */
    record Step(String name, int line, String script) {
        @Override
        public String toString() {
            return "README.md:" + line + " (step '" + name + "')";
        }
    }

    private static final Pattern STEP = Pattern.compile("^\\s*- name: (.+)$");
    private static final Pattern RUN = Pattern.compile("^(\\s*)run: (.+)$");

    private ReadmeExamples() {
    }

    /**
     * The steps of the workflows (fenced {@code yaml} blocks) under the README's heading
     * {@code heading} (down to the next heading of its level or above), in order.
     */
    static List<Step> workflowSteps(Path readme, String heading) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Step> steps = new ArrayList<>();
        boolean yaml = false;
        boolean fenced = false;
        boolean inSection = false;
        int level = 0;
        String name = null;
        int at = 0;
        String script = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!fenced && line.startsWith("#")) {
                int hashes = line.indexOf(' ');
                if (hashes > 0 && line.substring(hashes + 1).strip().equals(heading)) {
                    inSection = true;
                    level = hashes;
                } else if (inSection && hashes > 0 && hashes <= level && line.substring(0, hashes).chars()
                        .allMatch(c -> c == '#')) {
                    inSection = false;
                }
                continue;
            }
            if (line.startsWith("```")) {
                fenced = !fenced;
                yaml = fenced && line.equals("```yaml") && inSection;
                continue;
            }
            Matcher step = STEP.matcher(line);
            Matcher run = RUN.matcher(line);
            if (!yaml) {
                continue;
            } else if (step.matches()) {
                if (name != null) {
                    steps.add(new Step(name, at, script));
                }
                name = step.group(1).strip();
                at = i + 1;
                script = "";
            } else if (run.matches() && run.group(2).strip().equals("|")) {
                // a literal block: the lines indented deeper than "run:"
                int indent = run.group(1).length();
                List<String> body = new ArrayList<>();
                while (i + 1 < lines.size() && (lines.get(i + 1).isBlank()
                        || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent)) {
                    body.add(lines.get(++i));
                }
                int margin = body.stream().filter(text -> !text.isBlank())
                        .mapToInt(text -> text.length() - text.stripLeading().length()).min().orElse(0);
                script = body.stream().map(text -> text.isBlank() ? "" : text.substring(margin))
                        .collect(Collectors.joining("\n", "", "\n"));
            } else if (run.matches()) {
                script = run.group(2).strip() + "\n";
            }
        }
        if (name != null) {
            steps.add(new Step(name, at, script));
        }
        return steps;
    }

    static List<Example> read(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Example> examples = new ArrayList<>();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
            } else if (line.equals("```sh") || line.equals("```bash")) {
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).startsWith("```")) {
                    end++;
                }
                examples.addAll(block(section, i + 2, lines.subList(i + 1, end)));
                i = end;
            } else if (line.startsWith("```")) {
                // another language (yaml, ini, a layout): skipped whole, its lines are no headings
                while (i + 1 < lines.size() && !lines.get(i + 1).startsWith("```")) {
                    i++;
                }
                i++;
            }
        }
        return examples;
    }

    /** The commands of one block whose first line is line {@code first} of the README. */
    private static List<Example> block(String section, int first, List<String> lines) {
        boolean prompted = lines.stream().anyMatch(line -> line.startsWith("$ "));
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (prompted && !line.startsWith("$ ") || line.isBlank()) {
                continue;
            }
            String text = prompted ? line.substring(2) : line;
            List<String> shown = new ArrayList<>();
            for (int next = i + 1; prompted && next < lines.size() && !lines.get(next).startsWith("$ "); next++) {
                shown.add(lines.get(next));
            }
            int comment = commentStart(text);
            examples.add(new Example(section, first + i, text.substring(0, comment).strip(),
                    comment < text.length() ? text.substring(comment + 1).strip() : "", List.copyOf(shown)));
        }
        return examples;
    }

    /** Where a shell comment starts ({@code #} after a blank, outside quotes), else the length. */
    private static int commentStart(String text) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                return i;
            }
        }
        return text.length();
    }
}
