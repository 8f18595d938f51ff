package tracker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real client process: {@code src/test/c/holdclient.c}, compiled once per test JVM with
 * the system C compiler, started (optionally under a wrapper such as {@code setpriv} or
 * {@code unshare}), and killed with its whole process tree on {@link #close()}.
 *
 * <p>The client prints one line per frame and then "ready PID"; {@link ChildProcess}
 * collects those lines on a reader thread, so nothing blocks on the child's output.
 */
public final class HoldClient implements AutoCloseable {

    private static Path binary;

    private final ChildProcess child;

    private HoldClient(ChildProcess child) {
        this.child = child;
    }

    /**
     * The compiled client, in a private temporary directory of mode 755 so that another
     * user (uid 65534) may run it too.
     */
    public static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path source = Path.of(System.getProperty("basedir", ".")).resolve("src/test/c/holdclient.c").toAbsolutePath();
        if (!Files.isRegularFile(source)) {
            throw new IOException("client source not found at " + source);
        }
        Path directory = Files.createTempDirectory("holdclient");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path output = directory.resolve("holdclient");
        Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-pthread", "-o", output.toString(), source.toString())
                .redirectErrorStream(true).start();
        String messages = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
            throw new IOException("cc failed on " + source + ":\n" + messages);
        }
        Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rwxr-xr-x"));
        directory.toFile().deleteOnExit(); // deleted in reverse order: the file, then its directory
        output.toFile().deleteOnExit();
        binary = output;
        return binary;
    }

    /**
     * Starts {@code wrapper... holdclient options... socket}.
     *
     * @param wrapper a command that runs the client (setpriv, unshare ...), or empty
     */
    public static HoldClient start(List<String> wrapper, Path socket, String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(binary().toString());
        command.addAll(List.of(options));
        command.add(socket.toString());
        return new HoldClient(ChildProcess.start(command));
    }

    /**
     * Starts {@code holdclient options... socket} with exactly {@code environment} (and PATH):
     * nothing of this JVM's own environment, CI variables included, reaches it.
     */
    public static HoldClient startWithEnvironment(Map<String, String> environment, Path socket, String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(List.of(options));
        command.add(socket.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        String path = System.getenv("PATH");
        builder.environment().clear();
        builder.environment().put("PATH", path == null ? "/usr/bin:/bin" : path);
        builder.environment().putAll(environment);
        return new HoldClient(ChildProcess.start(builder));
    }

    public static HoldClient start(Path socket, String... options) throws IOException, InterruptedException {
        return start(List.of(), socket, options);
    }

    /** Waits for "ready PID" and returns the pid the client's frames carry. */
    public int awaitReady(Duration timeout) {
        Poll.until(timeout, () -> readyPid() > 0 || !child.process().isAlive(),
                () -> "holdclient ready; stdout " + child.stdout() + ", stderr " + child.stderr());
        int pid = readyPid();
        if (pid <= 0) {
            throw new AssertionError("holdclient ended before it was ready: exit " + child.process().exitValue()
                    + ", stdout " + child.stdout() + ", stderr " + child.stderr());
        }
        return pid;
    }

    private int readyPid() {
        for (String line : child.stdout()) {
            if (line.startsWith("ready ")) {
                return Integer.parseInt(line.substring(6).trim());
            }
        }
        return -1;
    }

    /**
     * What the client reported, folded as the daemon should hold it: one row per key, the
     * ref count raised by each repeated allocation and lowered by each free, gone at zero.
     */
    public Set<HeldRow> expectedRows() {
        Map<String, HeldRow> rows = new LinkedHashMap<>();
        for (String line : child.stdout()) {
            String[] f = line.split(" ");
            String key = f.length > 3 ? f[1] + "/" + f[2] + "/" + f[3] : "";
            if (line.startsWith("sent ")) {
                HeldRow row = new HeldRow(f[1], Integer.parseInt(f[2]), Long.parseUnsignedLong(f[3]), f[4],
                        Long.parseUnsignedLong(f[5]), 1);
                rows.merge(key, row, (old, again) -> withRefCount(old, old.refCount() + 1));
            } else if (line.startsWith("freed ")) {
                HeldRow old = rows.remove(key);
                if (old != null && old.refCount() > 1) {
                    rows.put(key, withRefCount(old, old.refCount() - 1));
                }
            }
        }
        return Set.copyOf(rows.values());
    }

    private static HeldRow withRefCount(HeldRow row, int refCount) {
        return new HeldRow(row.kind(), row.deviceId(), row.bufferId(), row.type(), row.size(), refCount);
    }

    public Process process() {
        return child.process();
    }

    /** Sends SIGKILL to {@code pid}, which need not be a child of this JVM. */
    public static void kill9(int pid) {
        ProcessHandle handle = ProcessHandle.of(pid)
                .orElseThrow(() -> new AssertionError("no process " + pid + " to kill"));
        if (!handle.destroyForcibly()) {
            throw new AssertionError("could not send SIGKILL to " + pid);
        }
    }

    /** Ends the client and everything it started (see {@link ChildProcess#close()}). */
    @Override
    public void close() {
        child.close();
    }
}
