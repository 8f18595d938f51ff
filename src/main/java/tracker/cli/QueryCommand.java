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
        try (Backend backend = root.backends().open(database.resolve(), writes())) {
            return run(backend);
        }
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
            Renderer.table(report.select(TagColumn.shown(report, tableColumns)), out(), width);
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
