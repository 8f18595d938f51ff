package tracker.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine;
import tracker.server.ServerConfig;
import tracker.server.TrackerDaemon;

/** Runs CLI commands in this JVM, the two ways a user's shell reaches them. */
final class Cli {

    record Result(int exit, String out, String err) {
    }

    private Cli() {
    }

    /** As with no daemon running: the command opens the database file. */
    static Result onFile(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = TrackerCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** As with a daemon running: through its command socket, as Main forwards it. */
    static Result throughDaemon(Path database, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            OptionalInt exit = DaemonClient.run(ServerConfig.controlSocketOf(database),
                    Main.withDatabase(args, database), out, err);
            if (exit.isEmpty()) {
                throw new AssertionError("no daemon answered on the command socket of " + database);
            }
            return new Result(exit.getAsInt(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Through a test daemon's command socket, opened first if it is not yet. */
    static Result throughDaemonOf(tracker.testing.TestDaemon daemon, String... args) {
        try {
            if (!java.nio.file.Files.exists(ServerConfig.controlSocketOf(daemon.database()))) {
                serveCommands(daemon.daemon());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return throughDaemon(daemon.database(), args);
    }

    /** Stops the daemon, then runs the command on the file it left. */
    static Result onFileAfter(tracker.testing.TestDaemon daemon, String... args) {
        daemon.close();
        return onFile(args);
    }

    /** Opens the daemon's command socket, as {@code tracker serve} does. */
    static void serveCommands(TrackerDaemon daemon) throws IOException {
        daemon.startControlSocket(ServeCommand.commandsFor(daemon));
    }
}
