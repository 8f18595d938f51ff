package tracker.faults;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tracker.testing.ChildProcess;
import tracker.testing.Poll;

/**
 * {@code tracker serve} in a JVM of its own ({@code java -cp <test classpath> tracker.cli.Main
 * serve ...}), optionally under a wrapper such as {@code prlimit}: a daemon this test can kill
 * with SIGKILL, or starve of file descriptors, without harming the test JVM. Its output is
 * collected line by line.
 */
final class ChildServe implements AutoCloseable {

    /** A JVM start on a loaded two-core machine can take many seconds. */
    static final Duration STARTUP = Duration.ofSeconds(90);

    private final ChildProcess child;
    private final Path socket;
    private final Path database;

    private ChildServe(ChildProcess child, Path socket, Path database) {
        this.child = child;
        this.socket = socket;
        this.database = database;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator, File.pathSeparator);
    }

    /**
     * Starts the daemon and waits until it serves and its command socket answers.
     *
     * @param wrapper a command that runs java (prlimit ...), or empty
     * @param options more {@code serve} options
     */
    static ChildServe start(List<String> wrapper, Path socket, Path database, String... options) throws IOException {
        return start(wrapper, List.of(), socket, database, options);
    }

    /**
     * Like {@link #start(List, Path, Path, String...)}, with more options for the JVM (system
     * properties, {@code -D...}).
     */
    static ChildServe start(List<String> wrapper, List<String> jvmOptions, Path socket, Path database,
                            String... options) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath(), "tracker.cli.Main", "serve", "--socket", socket.toString(),
                "--db", database.toString()));
        command.addAll(List.of(options));
        ChildServe serve = new ChildServe(ChildProcess.start(command), socket, database);
        try {
            Poll.until(STARTUP, () -> !serve.process().isAlive()
                            || serve.output().contains("tracker serving on")
                            && ControlSocket.run(database, "stats", "--format", "json").isPresent(),
                    () -> "the child daemon to serve; output:\n" + serve.output());
            if (!serve.process().isAlive()) {
                throw new AssertionError("the child daemon ended at start-up:\n" + serve.output());
            }
        } catch (RuntimeException | AssertionError e) {
            serve.close();
            throw e;
        }
        return serve;
    }

    Process process() {
        return child.process();
    }

    int pid() {
        return (int) child.process().pid();
    }

    Path socket() {
        return socket;
    }

    Path database() {
        return database;
    }

    /** Standard output and error, as printed so far. */
    String output() {
        return String.join("\n", child.stdout()) + "\n" + String.join("\n", child.stderr());
    }

    /**
     * SIGKILL, then waits for the process to be gone (reaped by this JVM, its parent). Through
     * the process handle: {@code Process.destroy*} would also close the pipes, losing output.
     */
    void kill9() throws InterruptedException {
        child.process().toHandle().destroyForcibly();
        if (!child.process().waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child daemon did not die of SIGKILL");
        }
    }

    /** SIGTERM: the daemon's shutdown hook commits and stops; returns its exit code. */
    int stop() throws InterruptedException {
        child.process().toHandle().destroy();
        if (!child.process().waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child daemon did not stop on SIGTERM:\n" + output());
        }
        return child.process().exitValue();
    }

    @Override
    public void close() {
        child.close();
    }
}
