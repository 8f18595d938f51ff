package tracker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shell examples of README.md, read from its fenced {@code sh} and {@code bash} blocks:
 * one command a line. In a block whose commands are shown after a {@code $ } prompt, the
 * lines up to the next prompt are what the command printed. A comment after a command
 * ({@code   # what it does}) is kept apart from it.
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

    private ReadmeExamples() {
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
