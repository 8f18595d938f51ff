package tracker.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tracker.server.ServerConfig;
import tracker.server.TrackerDaemon;
import tracker.wire.WireVersion;

/**
 * Starts a daemon in another JVM, as a second {@code tracker serve} would be: what one process
 * holds (the H2 file lock) is only refused to another process. Prints
 * {@code STARTED} or {@code REFUSED <exception class>: <message>}, then exits.
 */
public final class ChildJvmDaemon {

    private ChildJvmDaemon() {
    }

    public static void main(String[] args) {
        ServerConfig config = ConfigVariants.withDatabase(
                ConfigVariants.withSocket(TestDaemon.config(Path.of(args[0]).getParent(), WireVersion.V3),
                        Path.of(args[0])), Path.of(args[1]));
        PrintStream log = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        try (TrackerDaemon daemon = new TrackerDaemon(config, log, Clock.systemUTC()).start()) {
            System.out.println("STARTED");
        } catch (Exception e) {
            System.out.println("REFUSED " + e.getClass().getName() + ": " + e.getMessage());
        }
        System.out.flush();
        System.exit(0);
    }

    /** Runs {@link #main} in a new JVM with this test run's classpath; returns its standard output. */
    public static String run(Path socket, Path database) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                classpath, ChildJvmDaemon.class.getName(),
                socket.toString(), database.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child JVM did not finish within 60 s");
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
