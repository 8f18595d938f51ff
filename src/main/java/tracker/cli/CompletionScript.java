package tracker.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * The bash completion script: picocli's, with two parts replaced. Option values are offered
 * in the case the user started typing them (the options accept any case), and the script
 * registers for each way the command is typed: {@code tracker} on PATH and the launcher by its
 * path from a checkout, as the README calls it.
 */
final class CompletionScript {

    /** picocli's helper that prints the values of an option matching the word being completed, with its comment. */
    private static final Pattern VALUES_FUNCTION = Pattern.compile(
            "(?s)# compReplyArray generates .*?\nfunction compReplyArray\\(\\) \\{\n.*?\n}\n");

    /** picocli's registration, with the comment above it: for {@code tracker}, .sh and .bash only. */
    private static final Pattern REGISTRATION = Pattern.compile(
            "(?s)# Define a completion specification \\(a compspec\\) for the\n.*?\ncomplete -F _complete_tracker [^\n]*\n");

    private static final String VALUES = """
            # compReplyArray prints the values of an option that the word being completed begins,
            # one a line, in the case of the last letter typed: the options take any case, so
            # `--type d` completes to `dram` and `--type D` to `DRAM`. With nothing typed yet, the
            # values are offered as the help writes them.
            function compReplyArray() {
              local typed=${COMP_WORDS[COMP_CWORD]}
              local -l typedLower=$typed candidateLower restLower
              local -u restUpper
              local candidate rest letterCase="" i
              for (( i=${#typed}-1; i>=0; i-- )); do
                case ${typed:i:1} in
                  [[:lower:]]) letterCase=lower; break ;;
                  [[:upper:]]) letterCase=upper; break ;;
                esac
              done
              for candidate in "$@"; do
                candidateLower=$candidate
                [[ -n $candidate && $candidateLower == "$typedLower"* ]] || continue
                rest=${candidate:${#typed}}
                case $letterCase in
                  lower) restLower=$rest; rest=$restLower ;;
                  upper) restUpper=$rest; rest=$restUpper ;;
                esac
                printf '%s\\n' "$typed$rest"
              done
            }
            """;

    private static final String REGISTER = """
            # Define a completion specification (a compspec) for each way the command is typed:
            # `tracker` on PATH, and the launcher by its path from the checkout (`cli/tracker`,
            # `./cli/tracker`). For a path registered nowhere (`/opt/tracker/cli/tracker`), bash
            # uses the compspec of its last part, `tracker`.
            # Uses the bash `complete` builtin (see [6]) to specify that shell function
            # `_complete_tracker` is responsible for generating possible completions for the
            # current word on the command line.
            # The `-o default` option means that if the function generated no matches, the
            # default Bash completions and the Readline default filename completions are performed.
            complete -F _complete_tracker -o default tracker cli/tracker ./cli/tracker
            """;

    private CompletionScript() {
    }

    static String bash(CommandLine commandLine) {
        String script = AutoComplete.bash("tracker", commandLine);
        script = replaceOnce(script, VALUES_FUNCTION, VALUES);
        return replaceOnce(script, REGISTRATION, REGISTER);
    }

    /** Fails when picocli's script no longer has the part: a silent miss would drop the fix. */
    private static String replaceOnce(String script, Pattern part, String replacement) {
        Matcher matcher = part.matcher(script);
        if (!matcher.find()) {
            throw new IllegalStateException("picocli's completion script has no part matching " + part.pattern());
        }
        String replaced = script.substring(0, matcher.start()) + replacement + script.substring(matcher.end());
        if (part.matcher(replaced.substring(matcher.start() + replacement.length())).find()) {
            throw new IllegalStateException("picocli's completion script has more than one part matching "
                    + part.pattern());
        }
        return replaced;
    }
}
