package tracker.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tracker.report.Format;
import tracker.report.LineWidth;
import tracker.report.Renderer;
import tracker.report.Report;

/**
 * What every query command shares: {@code --db}, {@code --format}, {@code --verbose}, the
 * backend (daemon or file), and output through picocli's writers.
 */
abstract class QueryCommand implements Callable<Integer> {

    @ParentCommand
    TrackerCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Mixin
    OutputOptions output;

    @Option(names = {"-v", "--verbose"}, description = "On failure, print the stack trace too.")
    boolean verbose;

    @Option(names = "--host", paramLabel = "NAME",
            description = "On a fleet store (--db postgresql://...): only this host; repeatable.")
    List<String> hosts = new java.util.ArrayList<>();

    /** The hosts answered for, on a fleet store; null on a host's own database. */
    private FleetScope fleetScope;

    /** Reap and prune change the database; everything else only reads. */
    boolean writes() {
        return false;
    }

    abstract int run(Backend backend);

    /**
     * Checks the options against each other before anything is opened: a usage error is
     * reported as one, whatever the state of the database.
     *
     * @throws picocli.CommandLine.ParameterException see {@link #usage}
     */
    void checkOptions() {
    }

    /** Whether this command answers from a fleet store: every reading one, unless it says otherwise. */
    boolean readsFleet() {
        return !writes();
    }

    /**
     * Whether, on a fleet store, the command's SQL sees the store as a host's own schema
     * ({@link FleetViews}): every command but {@code sql}, whose user writes SQL for the
     * store's own tables.
     */
    boolean fleetAsLocalSchema() {
        return true;
    }

    /** Why a command that does not read a fleet store refuses one, for its one line. */
    String whyNotOnFleet() {
        return "which only copies the hosts' records: run it on the host";
    }

    /** Whether {@code --format junit} means something here: only for a check. */
    boolean acceptsJunit() {
        return false;
    }

    /** Whether {@code --format trace} means something here: only for a timeline. */
    boolean acceptsTrace() {
        return false;
    }

    @Override
    public final Integer call() {
        if (format() == Format.JUNIT && !acceptsJunit()) {
            throw usage("--format junit is for tracker leaks; this command writes table, json or csv");
        }
        if (format() == Format.TRACE && !acceptsTrace()) {
            throw usage("--format trace is for tracker history; this command writes table, json or csv");
        }
        checkOptions();
        java.util.Optional<FleetUrl> fleet = database.fleet();
        if (fleet.isEmpty()) {
            if (!hosts.isEmpty()) {
                throw usage("--host picks hosts of a fleet store (--db postgresql://user@host:port/db); "
                        + "a host's own database has only its own records");
            }
            try (Backend backend = root.backends().open(database.resolve(), writes())) {
                return run(backend);
            }
        }
        if (!root.backends().readsFleetStores()) {
            throw usage("--db " + fleet.get() + ": the daemon's command socket answers for its own database only");
        }
        if (!readsFleet()) {
            throw usage("tracker " + spec.name() + " works on a host's own database, not on the fleet store "
                    + fleet.get() + " (" + whyNotOnFleet() + ")");
        }
        Backend backend;
        try {
            backend = FleetBackend.open(fleet.get(), hosts, fleetAsLocalSchema());
        } catch (FleetBackend.UnknownHostsException e) {
            throw usage("--host: " + e.getMessage());
        }
        try (backend) {
            fleetScope = backend.fleet().orElseThrow();
            return run(backend);
        }
    }

    /** The fleet scope when answering from a fleet store; else null. */
    FleetScope fleetScope() {
        return fleetScope;
    }

    /**
     * {@code report} with the {@code host} column first, each row's host found from its
     * process's or reap's fleet id in {@code fleetIds}; on a host's own database, as it is.
     */
    Report hosted(Report report, List<Long> fleetIds) {
        if (fleetScope == null) {
            return report;
        }
        return report.withFirst(FleetScope.COLUMN, fleetIds.stream().map(fleetScope::hostOf).toList());
    }

    /** A table's columns, with {@code host} first on a fleet store. */
    List<String> hosted(List<String> tableColumns) {
        if (fleetScope == null) {
            return tableColumns;
        }
        List<String> columns = new java.util.ArrayList<>();
        columns.add(FleetScope.COLUMN);
        columns.addAll(tableColumns);
        return columns;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    Format format() {
        return output.format;
    }

    void print(Report report) {
        Renderer.render(report, format(), out());
    }

    /**
     * {@code report} in full as JSON or CSV; as a table, its {@code tableColumns} (the last
     * of them the command line), each line cut to {@code width}.
     */
    void print(Report report, List<String> tableColumns, LineWidth width) {
        if (format() == Format.TABLE) {
            Renderer.table(report.select(TagColumn.shown(report, hosted(tableColumns))), out(), width);
            out().flush();
        } else {
            print(report);
        }
    }

    /** A usage error this command found in its options (exit 2): throw it. */
    picocli.CommandLine.ParameterException usage(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
}
