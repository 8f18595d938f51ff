package tracker.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import tracker.server.TopFigures;

/**
 * Asks the running daemon for its live figures through its command socket, as
 * {@code tracker top --json}: one short read-only command per refresh, answered from the
 * daemon's memory. Not thread-safe; one call, one connection.
 */
final class DaemonFigures {

    /** Why there are no figures: the line to show, and the exit code it means. */
    static final class Unavailable extends Exception {
        final int exitCode;

        Unavailable(String line, int exitCode) {
            super(line);
            this.exitCode = exitCode;
        }
    }

    private final Path database;
    private final Duration timeout;

    DaemonFigures(Path database, Duration timeout) {
        this.database = database.toAbsolutePath().normalize();
        this.timeout = timeout;
    }

    TopFigures fetch() throws Unavailable {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OptionalInt code;
        try {
            code = DaemonClient.run(Main.controlSocketOf(database),
                    new String[] {"top", "--db=".concat(database.toString()), "--json"}, out, err, timeout);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new Unavailable("permission denied: cannot connect to the daemon's command socket " + e.getFile()
                    + " (only the daemon's user and the members of its --socket-group may)", ExitCode.UNAVAILABLE);
        } catch (IOException e) {
            throw new Unavailable("the daemon's command socket failed: " + e.getMessage(), ExitCode.UNAVAILABLE);
        }
        if (code.isEmpty()) {
            throw new Unavailable("no daemon is running on " + database + " (tracker top shows a running daemon's "
                    + "live figures; start one with 'tracker serve')", ExitCode.UNAVAILABLE);
        }
        if (code.getAsInt() != ExitCode.OK) {
            String line = err.toString(StandardCharsets.UTF_8).strip().replaceFirst("^tracker: ", "");
            throw new Unavailable(tracker.log.PrintableText.of(line.isEmpty() ? "the daemon answered exit "
                    + code.getAsInt() : line.lines().findFirst().orElse(line)), code.getAsInt());
        }
        try {
            return TopJson.read(out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Unavailable(e.getMessage(), ExitCode.UNAVAILABLE);
        }
    }
}
