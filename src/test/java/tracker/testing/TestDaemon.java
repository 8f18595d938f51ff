package tracker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import tracker.server.ServerConfig;
import tracker.server.TrackerDaemon;
import tracker.wire.WireVersion;

/**
 * A real daemon on a real socket and a real H2 file under a temporary directory, with its
 * output captured. Short commit and reap intervals keep tests quick; nothing here sleeps.
 */
public final class TestDaemon implements AutoCloseable {

    private final Path directory;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final TrackerDaemon daemon;

    private TestDaemon(Path directory, ServerConfig config) throws IOException {
        this.directory = directory;

        this.daemon = new TrackerDaemon(config, new PrintStream(output, true, StandardCharsets.UTF_8),
                Clock.systemUTC()).start();
    }

    public static TestDaemon start(Path directory) throws IOException {
        return start(directory, WireVersion.V3);
    }

    public static TestDaemon start(Path directory, WireVersion wire) throws IOException {
        // the daemon makes no directory for its socket: the test's own folder is made here
        java.nio.file.Files.createDirectories(directory);
        return start(config(directory, wire));
    }

    public static TestDaemon start(ServerConfig config) throws IOException {
        return new TestDaemon(config.database().getParent(), config);
    }

    /** The configuration tests start from: socket and database inside {@code directory}. */
    public static ServerConfig config(Path directory, WireVersion wire) {
        return new ServerConfig(directory.resolve("tracker.sock"), wire, directory.resolve("db").resolve("tracker"),
                50, 60_000, ServerConfigDefaults.SOCKET_MODE, null, null, 0, 3_600_000, false);
    }

    public Path socket() {
        return daemon.config().socket();
    }

    public Path database() {
        return daemon.config().database();
    }

    public TrackerDaemon daemon() {
        return daemon;
    }

    /** Commits everything received so far. */
    public void flush() throws InterruptedException {
        daemon.flush();
    }

    /** What the daemon printed so far. */
    public String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        daemon.close();
    }
}
