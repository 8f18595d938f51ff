package tracker.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tracker.store.RefusedQueryException;

@Command(name = "tracker", mixinStandardHelpOptions = true, version = "tracker 0.1.0",
        description = "Records the device memory that TT-Metal processes hold, and answers for it.",
        footerHeading = "%nWith the daemon running, queries answer from its live data through its command socket "
                + "(<db>.ctl); otherwise they open the database file. Environment: TRACKER_DB, TRACKER_SOCKET.%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:check failed (tracker leaks found leaks, tracker check found damage)",
                "2:usage error",
                "3:database or daemon unavailable or unreadable"})
public final class TrackerCommand implements java.util.concurrent.Callable<Integer> {

    /**
     * The subcommands by name, in the order help lists them. Not in the annotation: picocli
     * builds the model of every listed command from its annotations when the command line
     * is made, which is the larger part of a one-shot command's start; a command line for
     * one subcommand builds only that one (see {@link #commandLineFor}). Named here so that
     * finding it reads no annotation; a test holds the names to the annotations.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands(ServeCommand.class, "serve", DumpCommand.class, "dump",
            HistoryCommand.class, "history", AuditCommand.class, "audit", LeaksCommand.class, "leaks",
            StatsCommand.class, "stats", PsCommand.class, "ps", HostsCommand.class, "hosts", TopCommand.class, "top", ReapCommand.class, "reap", PruneCommand.class, "prune",
            SqlCommand.class, "sql", CheckCommand.class, "check", ReportCommand.class, "report", WaitReadyCommand.class, "wait-ready", CompletionCommand.class, "completion");

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

    /** Bare {@code tracker}: a usage error, as with git. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** The command line answering from the database file, with the exit codes every command shares. */
    public static CommandLine commandLine() {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return commandLine(FileBackend.factory(clock), clock);
    }

    /**
     * The command line for {@code args} answering from the database file: when they start
     * with a subcommand's name, the root holds that subcommand alone, which parses and runs
     * them as the full command line would (help, errors and all) at a fraction of the start.
     */
    static CommandLine commandLineFor(String[] args) {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return commandLineFor(args, FileBackend.factory(clock), clock);
    }

    /** The same, answering through {@code backends} (the daemon runs forwarded commands so). */
    static CommandLine commandLineFor(String[] args, Backend.Factory backends, java.time.Clock clock) {
        Class<?> only = args.length == 0 ? null : SUBCOMMANDS.get(args[0]);
        return only == null ? commandLine(backends, clock) : commandLine(backends, clock, List.of(only));
    }

    static CommandLine commandLine(Backend.Factory backends, java.time.Clock clock) {
        return commandLine(backends, clock, List.copyOf(SUBCOMMANDS.values()));
    }

    private static CommandLine commandLine(Backend.Factory backends, java.time.Clock clock, List<Class<?>> subcommands) {
        CommandLine commandLine = new CommandLine(new TrackerCommand(backends, clock));
        for (Class<?> subcommand : subcommands) {
            commandLine.addSubcommand(subcommand);
        }
        // -h/--help (and -V) on every subcommand, from one place: picocli answers them before
        // it checks required options, so 'prune --help' needs no --older-than
        commandLine.getSubcommands().values()
                .forEach(sub -> sub.getCommandSpec().mixinStandardHelpOptions(true));
        if (subcommands.size() > 1) {
            commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        }
        // after the subcommands: picocli hands these to the subcommands present when set.
        // --since and --until count relative times back from this command line's clock
        commandLine.registerConverter(java.time.Instant.class, new TimeConverter(clock));
        commandLine.setExecutionExceptionHandler(TrackerCommand::handleExecutionException);
        commandLine.setParameterExceptionHandler(TrackerCommand::handleParameterException);
        return commandLine;
    }

    private static Map<String, Class<?>> subcommands(Object... classAndName) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (int i = 0; i < classAndName.length; i += 2) {
            byName.put((String) classAndName[i + 1], (Class<?>) classAndName[i]);
        }
        return java.util.Collections.unmodifiableMap(byName);
    }

    /**
     * A usage error, from picocli's parser, a converter, or a command that finds its options
     * at odds: one line, exit 2.
     */
    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("tracker: " + firstLine(e.getMessage()) + " (see '"
                + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCode.USAGE;
    }

    /**
     * The one place a failure becomes an exit code. A refused sql query is a usage error
     * (exit 2), as is any ParameterException a command throws; everything else failed to
     * answer (exit 3): a database or socket that cannot be used, or a fault of the tracker.
     * One line, its message: never a Java class name, unless --verbose asks for the trace.
     */
    private static int handleExecutionException(Exception e, CommandLine commandLine,
                                                CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int code = e instanceof RefusedQueryException ? ExitCode.USAGE : ExitCode.UNAVAILABLE;
        err.println("tracker: " + describe(e));
        if (verbose(parseResult)) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** What failed, in one line: the message, else what kind of failure it was, in words. */
    static String describe(Throwable e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        boolean wrapper = cause != null && cause != e && (message == null || message.equals(cause.toString()));
        if (wrapper) {
            return describe(cause); // new RuntimeException(cause) says only what its cause says, class first
        }
        if (message != null && !message.isBlank()) {
            return firstLine(message);
        }
        return "internal error (" + words(e.getClass().getSimpleName()) + "); run again with --verbose for details";
    }

    /** {@code NullPointerException} as {@code null pointer exception}. */
    private static String words(String className) {
        return className.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
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
