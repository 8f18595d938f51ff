package tracker.server;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which command lines the command socket runs, and for whom. Only the query commands are
 * run inside the daemon: anything else ({@code serve}, {@code completion}, help and version
 * requests, unknown names) would run with the daemon's rights for whoever can reach the
 * socket. Commands that change records are for the daemon's own user and root. Stateless;
 * thread-safe.
 */
final class CommandPolicy {

    static final List<String> READING = List.of("dump", "history", "audit", "leaks", "stats", "ps", "top", "sql", "check", "report");
    static final List<String> CHANGING = List.of("reap", "prune");
    private static final Set<String> HELP = Set.of("-h", "--help", "-V", "--version");

    private CommandPolicy() {
    }

    /** Why the daemon will not run {@code args} for anybody, or empty when it may. */
    static Optional<String> refusal(String[] args) {
        if (args.length == 0 || !(READING.contains(args[0]) || CHANGING.contains(args[0]))) {
            String name = args.length == 0 ? "" : printable(args[0]);
            return Optional.of("tracker: the daemon runs only " + String.join(", ", READING) + ", "
                    + String.join(", ", CHANGING) + " on its command socket, not '" + name + "'");
        }
        for (String arg : args) {
            if (HELP.contains(arg)) {
                return Optional.of("tracker: help and version are not asked of the daemon: run 'tracker "
                        + args[0] + " " + arg + "' without the command socket");
            }
        }
        if (args[0].equals("top") && !List.of(args).contains("--json")) {
            // the live view draws on the asker's terminal: the daemon only hands out its figures
            return Optional.of("tracker: the daemon answers 'top' only as 'top --json'");
        }
        return Optional.empty();
    }

    static boolean changesRecords(String[] args) {
        return args.length > 0 && CHANGING.contains(args[0]);
    }

    /** At most 40 characters of {@code text}, control characters replaced: it goes on one line. */
    private static String printable(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
