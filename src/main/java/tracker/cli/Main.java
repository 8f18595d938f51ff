package tracker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Entry point of the {@code tracker} command. A query while a daemon runs goes to the
 * daemon's command socket (it holds the database file); otherwise the command runs here.
 */
public final class Main {

    /** Commands that read or change the database, and so may run inside the daemon. */
    static final Set<String> FORWARDED = Set.of("dump", "history", "audit", "leaks", "stats", "ps", "reap", "prune",
            "sql", "check", "report");

    /** Commands whose tables end with the process's command line, cut to the terminal's width. */
    static final Set<String> TABLES_WITH_COMMAND = Set.of("dump", "audit", "leaks", "ps", "reap");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        boolean query = args.length > 0 && FORWARDED.contains(args[0]) && !asksForHelp(args);
        if (query && TABLES_WITH_COMMAND.contains(args[0])) {
            // the daemon has no terminal: the width goes with the command
            args = TerminalWidth.added(args, System.getenv("COLUMNS"));
        }
        Path database = query ? databaseOf(args) : null;
        if (database != null) {
            java.time.Duration timeout;
            try {
                timeout = timeout(System.getenv("TRACKER_TIMEOUT"));
            } catch (IllegalArgumentException e) {
                System.err.println("tracker: TRACKER_TIMEOUT: ".concat(e.getMessage()));
                return ExitCode.USAGE;
            }
            try {
                OptionalInt code = args[0].equals("report") ? ReportFile.throughDaemon(controlSocketOf(database),
                        withDatabase(args, database), timeout) : DaemonClient.run(controlSocketOf(database),
                        withDatabase(args, database), System.out, System.err, timeout);
                if (code.isPresent()) {
                    return code.getAsInt();
                }
            } catch (java.nio.file.AccessDeniedException e) {
                System.err.println("tracker: permission denied: cannot connect to the daemon's command socket "
                        .concat(e.getFile()).concat(" (only the daemon's user and the members of its --socket-group may)"));
                return ExitCode.UNAVAILABLE;
            } catch (IOException e) {
                System.err.println("tracker: the daemon's command socket failed (" + e.getMessage()
                        + "); reading the database file instead");
            }
        }
        picocli.CommandLine commandLine = TrackerCommand.commandLineFor(args);
        PrintWriter out = StandardOutput.writer();
        commandLine.setOut(out);
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
        }
    }

    /** How long the CLI waits for the daemon: TRACKER_TIMEOUT (a duration like 10s or 500ms), else 10 s. */
    static java.time.Duration timeout(String setting) {
        if (setting == null || setting.isBlank()) {
            return DaemonClient.DEFAULT_TIMEOUT;
        }
        java.time.Duration timeout = DurationParser.parse(setting);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("'".concat(setting)
                    .concat("' must be longer than 0 (examples: 500ms, 10s)"));
        }
        return timeout;
    }

    /** Mirrors {@code tracker.server.ServerConfig#controlSocketOf}, without loading the server. */
    static Path controlSocketOf(Path database) {
        // String.concat, not +: the first + of a JVM bootstraps StringConcatFactory (method
        // handles spun at run time), a tenth of what the forwarding client costs
        return Path.of(database.toAbsolutePath().normalize().toString().concat(".ctl"));
    }

    private static boolean asksForHelp(String[] args) {
        for (String arg : args) {
            if (arg.equals("-h") || arg.equals("--help") || arg.equals("-V") || arg.equals("--version")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The --db the command names (as {@link DatabaseOption} reads it), or the default, as an
     * absolute path; null when it names no database, which the command line then reports.
     */
    static Path databaseOf(String[] args) {
        try {
            for (int i = 1; i < args.length; i++) {
                String named = args[i].equals("--db") && i + 1 < args.length ? args[i + 1]
                        : args[i].startsWith("--db=") ? args[i].substring("--db=".length()) : "";
                if (FleetUrl.names(named)) {
                    return null; // a fleet store has no daemon of its own: the command reads it here
                }
                if (args[i].equals("--db") && i + 1 < args.length) {
                    return DatabaseOption.of(args[i + 1]).toAbsolutePath();
                }
                if (args[i].startsWith("--db=")) {
                    return DatabaseOption.of(args[i].substring("--db=".length())).toAbsolutePath();
                }
            }
            return DatabaseOption.defaultPath();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The arguments with --db made absolute: the daemon runs in another directory. */
    static String[] withDatabase(String[] args, Path database) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--db") && i + 1 < args.length) {
                i++;
                continue;
            }
            if (args[i].startsWith("--db=")) {
                continue;
            }
            out.add(args[i]);
        }
        out.add(1, "--db=".concat(database.toAbsolutePath().normalize().toString())); // concat: see controlSocketOf
        return out.toArray(new String[0]);
    }
}
