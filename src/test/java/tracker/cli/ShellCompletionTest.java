package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed completion script (cli/tracker_completion.bash, kept equal to what
 * {@code tracker completion} prints) sourced into a real bash: what TAB offers after a line,
 * for {@code tracker} on PATH and for the launcher typed by its path.
 */
class ShellCompletionTest {

    private static final Path SCRIPT = Path.of("cli", "tracker_completion.bash").toAbsolutePath();

    /**
     * Sets up what bash gives a completion function (the words, the index of the word being
     * completed, the line and the cursor), calls the function that {@code complete -p} names for
     * the command word, and prints COMPREPLY, one candidate a line.
     */
    private static final String COMPLETE_LINE = String.join("\n",
            "source \"$1\"",
            "line=$2",
            "read -ra COMP_WORDS <<< \"$line\"",
            "[[ $line == *' ' ]] && COMP_WORDS+=('')",
            "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
            "COMP_LINE=$line",
            "COMP_POINT=${#line}",
            "spec=$(complete -p -- \"${COMP_WORDS[0]}\") || { echo \"no completion for ${COMP_WORDS[0]}\" >&2; exit 4; }",
            "[[ $spec =~ -F\\ ([^ ]+) ]] || { echo \"no function in: $spec\" >&2; exit 5; }",
            "\"${BASH_REMATCH[1]}\" \"${COMP_WORDS[0]}\" \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"",
            "(( ${#COMPREPLY[@]} == 0 )) || printf '%s\\n' \"${COMPREPLY[@]}\"");

    private static final String COMMANDS = "serve dump history audit leaks stats ps hosts top reap prune sql check report wait-ready "
            + "completion help";

    @ParameterizedTest(name = "{0}[TAB] offers: {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        "tracker |" + COMMANDS,
        "cli/tracker |" + COMMANDS,
        "./cli/tracker |" + COMMANDS,
        "cli/tracker wa|wait-ready",
        "tracker dump --format |table json csv",
        "cli/tracker history --format |table json csv",
        "tracker audit --format J|JSON",
        "cli/tracker leaks --format c|csv",
        "tracker dump --type |DRAM L1 SYSTEM_MEMORY L1_SMALL TRACE",
        "tracker dump --type d|dram",
        "tracker dump --type D|DRAM",
        "cli/tracker dump --type d|dram",
        "cli/tracker dump --type D|DRAM",
        "./cli/tracker dump --type l|l1 l1_small",
        "cli/tracker dump --type L1_|L1_SMALL",
        "tracker dump --type x|",
        "tracker dump --kind |buffer cb kernel",
        "cli/tracker dump --kind K|KERNEL",
        "cli/tracker dump --kind c|cb",
        "tracker serve --wire |v1 v2 v3",
        "cli/tracker serve --wire V|V1 V2 V3",
        "tracker serve --wire v2|v2",
        "cli/tracker dump --fo|--format",
    })
    void offersTheCandidatesOfTheWordBeingTyped(String line, String expected) throws Exception {
        Run run = bash(List.of("bash", "--norc", "--noprofile", "-c", COMPLETE_LINE, "complete-line", SCRIPT.toString(),
                line));
        assertEquals(0, run.exit(), run.err());
        List<String> candidates = expected == null ? List.of() : List.of(expected.split(" "));
        assertEquals(candidates, run.out().lines().toList(), run.err());
    }

    /**
     * An interactive bash on a terminal, as a user has it (src/test/python/tab_complete.py):
     * the script sourced, a line typed, TAB pressed. bash finds the completion by the command
     * word as typed, or, for a path registered nowhere, by its last part.
     */
    @Test
    void bashFindsTheCompletionForEachWayTheCommandIsTyped() throws Exception {
        List<String> typed = List.of(
                "tracker dump --type d",
                "tracker dump --type D",
                "cli/tracker dump --type d",
                "cli/tracker dump --type D",
                "./cli/tracker dump --kind ke",
                "/opt/tracker/cli/tracker serve --wire V3",
                "../tracker/cli/tracker dump --format j",
                "cli/tracker hist");
        Path driver = Path.of(System.getProperty("basedir", ".")).resolve("src/test/python/tab_complete.py");
        List<String> command = new ArrayList<>(List.of("python3", driver.toString(), SCRIPT.toString()));
        command.addAll(typed);
        Run run = bash(command);
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of(
                "tracker dump --type dram",
                "tracker dump --type DRAM",
                "cli/tracker dump --type dram",
                "cli/tracker dump --type DRAM",
                "./cli/tracker dump --kind kernel",
                "/opt/tracker/cli/tracker serve --wire V3",
                "../tracker/cli/tracker dump --format json",
                "cli/tracker history"), run.out().lines().toList(), run.err());
    }

    @Test
    void theScriptRegistersTheCommandOnPathAndTheLauncherByItsPath() throws Exception {
        Run run = bash(List.of("bash", "--norc", "--noprofile", "-c",
                "source \"$1\" && complete -p tracker cli/tracker ./cli/tracker", "registered", SCRIPT.toString()));
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of(
                "complete -o default -F _complete_tracker tracker",
                "complete -o default -F _complete_tracker cli/tracker",
                "complete -o default -F _complete_tracker ./cli/tracker"), run.out().lines().toList());
        assertTrue(run.err().isEmpty(), run.err());
    }

    record Run(int exit, String out, String err) {
    }

    private static Run bash(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        // small outputs: read one stream, then the other, without filling a pipe
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "did not finish: " + command);
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
