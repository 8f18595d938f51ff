package tracker.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tracker.server.SocketInUseException;
import tracker.store.DatabaseUnavailableException;

@Command(name = "tracker", mixinStandardHelpOptions = true, version = "tracker 0.1.0",
        description = "Records the device memory that TT-Metal processes hold, and answers for it.",
        subcommands = {ServeCommand.class, DumpCommand.class, HistoryCommand.class, AuditCommand.class,
                LeaksCommand.class, StatsCommand.class, PsCommand.class, ReapCommand.class, PruneCommand.class,
                SqlCommand.class, CompletionCommand.class},
        footerHeading = "%nWith the daemon running, queries answer from its live data through its command socket "
                + "(<db>.ctl); otherwise they open the database file. Environment: TRACKER_DB, TRACKER_SOCKET.%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:check failed (tracker leaks found leaks)",
                "2:usage error",
                "3:database or daemon unavailable or unreadable"})
public final class TrackerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    private final Backend.Factory backends;
    private final java.time.Clock clock;

    TrackerCommand(Backend.Factory backends, java.time.Clock clock) {
        this.backends = backends;
        this.clock = clock;
    }

    Backend.Factory backends() {
        return backends;
    }

    java.time.Clock clock() {
        return clock;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line answering from the database file, with the exit codes every command shares. */
    public static CommandLine commandLine() {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return commandLine(FileBackend.factory(clock), clock);
    }

    static CommandLine commandLine(Backend.Factory backends, java.time.Clock clock) {
        CommandLine commandLine = new CommandLine(new TrackerCommand(backends, clock));
        commandLine.setExecutionExceptionHandler(TrackerCommand::handleExecutionException);
        commandLine.setParameterExceptionHandler(TrackerCommand::handleParameterException);
        return commandLine;
    }

    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("tracker: " + e.getMessage());
        err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return ExitCode.USAGE;
    }

    private static int handleExecutionException(Exception e, CommandLine commandLine,
                                                CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int code;
        if (e instanceof IllegalArgumentException) {
            code = ExitCode.USAGE;
        } else {
            code = ExitCode.UNAVAILABLE;
        }
        if (e instanceof DatabaseUnavailableException || e instanceof SocketInUseException
                || e instanceof IllegalArgumentException) {
            err.println("tracker: " + e.getMessage());
        } else {
            err.println("tracker: " + e);
        }
        if (verbose(parseResult)) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static boolean verbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult result = parseResult; result != null; result = result.subcommand()) {
            if (result.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
