package tracker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "wait-ready",
        description = {"Waits until the daemon serving --db answers, then exits 0; exits 3 after --timeout. "
                + "For scripts and CI jobs that start 'tracker serve' in the background: the daemon answers on its "
                + "command socket only once its client socket accepts, so a client started after this is heard."})
final class WaitReadyCommand implements Callable<Integer> {

    /** Between two tries: quick enough for a CI job, slow enough to cost nothing. */
    private static final long POLL_MS = 50;

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        java.nio.file.Path db = database.resolve();
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (answers(db)) {
                return ExitCode.OK;
            }
            Thread.sleep(POLL_MS); // polling a socket that is not there yet: nothing to wait on instead
        } while (System.nanoTime() < deadline);
        spec.commandLine().getErr().println("tracker: no daemon answered for " + db + " within "
                + timeout.toMillis() / 1000.0 + " s (command socket " + Main.controlSocketOf(db) + ")");
        spec.commandLine().getErr().flush();
        return ExitCode.UNAVAILABLE;
    }

    /** The daemon runs a trivial command for us: it is up, and its client socket accepts. */
    private static boolean answers(java.nio.file.Path db) {
        try {
            OptionalInt exit = DaemonClient.run(Main.controlSocketOf(db),
                    Main.withDatabase(new String[] {"stats", "--format", "json"}, db),
                    OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
            return exit.isPresent() && exit.getAsInt() == ExitCode.OK;
        } catch (IOException e) {
            return false;
        }
    }
}
