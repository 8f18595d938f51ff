package tracker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A process this test JVM started, its output collected line by line on reader threads (so
 * nothing blocks on it), ended with its whole process tree on {@link #close()}.
 */
public final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();

    private ChildProcess(Process process, String name) {
        this.process = process;
        drain(process.getInputStream(), stdout, name + "-stdout");
        drain(process.getErrorStream(), stderr, name + "-stderr");
    }

    public static ChildProcess start(List<String> command) throws IOException {
        return start(new ProcessBuilder(command));
    }

    /** Starts what {@code builder} describes (its directory and environment too). */
    public static ChildProcess start(ProcessBuilder builder) throws IOException {
        String program = builder.command().get(0);
        return new ChildProcess(builder.start(), program.substring(program.lastIndexOf('/') + 1));
    }

    public Process process() {
        return process;
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** Ends the child's stdin: a child that waits on it finishes on its own. */
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // gone already
        }
    }

    /**
     * Ends the child and everything it started, leaves first so that each parent reaps its
     * children (init here is slow to reap orphans: an orphan killed last may stay a zombie).
     */
    @Override
    public void close() {
        closeStdin();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            while (process.isAlive() && System.nanoTime() < deadline) {
                List<ProcessHandle> tree = Stream.concat(Stream.of(process.toHandle()), process.descendants())
                        .collect(Collectors.toList());
                for (ProcessHandle handle : tree) {
                    if (handle.children().findAny().isEmpty()) {
                        handle.destroyForcibly();
                    }
                }
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream stream, List<String> lines, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the stream closed under us: the process is gone
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }
}
