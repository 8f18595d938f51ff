package tracker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tracker.server.TopFigures;

@Command(name = "top", sortOptions = false,
        description = {"A live, full-screen view of the running daemon, refreshed every --interval: per device a bar "
                + "per memory kind (live bytes against the device's size when --device-info gives it, else against "
                + "the peak since the daemon started), the processes holding the most, events per second and reaps "
                + "in the last minute. Keys: q quit, s cycle the sort, d pick a device.",
                "Not on a terminal (a pipe, CI): one snapshot as plain text. Needs a running daemon (exit 3 without)."})
final class TopCommand implements Callable<Integer> {

    @ParentCommand
    TrackerCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Option(names = "--interval", paramLabel = "D", defaultValue = "1s", converter = DurationConverter.class,
            description = "Time between refreshes (default: ${DEFAULT-VALUE}; at least 100ms).")
    Duration interval;

    @Option(names = "--sort", paramLabel = "ORDER", defaultValue = "live", completionCandidates = SortNames.class,
            description = "Process order to start with: live, peak, pid or command (default: ${DEFAULT-VALUE}).")
    String sort;

    @Option(names = "--device", paramLabel = "N", description = "Show this device only to start with.")
    Integer device;

    @Option(names = "--json", description = "One snapshot of the figures as JSON, then exit: what the view reads "
            + "from the daemon.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "On failure, print the stack trace too.")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        TopView.Sort order;
        try {
            order = TopView.Sort.of(sort);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sort: " + e.getMessage());
        }
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 100ms");
        }
        PrintWriter out = spec.commandLine().getOut();
        Optional<TopFigures> here = root.backends().liveFigures(database.resolve());
        if (here.isPresent()) {
            // inside the daemon, asked through its command socket: the figures, nothing else
            TopJson.write(here.get(), out);
            return ExitCode.OK;
        }
        DaemonFigures source = new DaemonFigures(database.resolve(), timeout());
        TopFigures first;
        try {
            first = source.fetch();
        } catch (DaemonFigures.Unavailable e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("tracker: " + e.getMessage());
            err.flush();
            return e.exitCode;
        }
        if (json) {
            TopJson.write(first, out);
            return ExitCode.OK;
        }
        TopView view = new TopView(first, order, device);
        if (System.console() == null) {
            // a pipe or CI: one snapshot, every process, as wide as COLUMNS says (else 100)
            int width = TerminalWidth.parse(System.getenv("COLUMNS")).orElse(SNAPSHOT_WIDTH);
            TopScreen.render(view, width, Integer.MAX_VALUE).forEach(out::println);
            out.flush();
            return ExitCode.OK;
        }
        return new TopTerminal(source, view, interval).run();
    }

    private static final int SNAPSHOT_WIDTH = 100;

    /** The values of --sort, for completion. */
    static final class SortNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(TopView.Sort.values()).map(sort -> sort.label).iterator();
        }
    }

    private Duration timeout() {
        try {
            return Main.timeout(System.getenv("TRACKER_TIMEOUT"));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "TRACKER_TIMEOUT: " + e.getMessage());
        }
    }
}
