package tracker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tracker.testing.Await;

/**
 * A real terminal for a test: a tmux server of its own (its socket in the test's folder, no
 * user configuration) running one command in a pane of a given size. The test types with
 * {@link #keys}, reads the screen as a person sees it with {@link #screen}, and resizes the
 * window. tmux must be installed ({@code .ci/run} installs it): without it the test fails.
 */
final class TmuxPane implements AutoCloseable {

    private static final String SESSION = "top";

    private final Path socket;

    private TmuxPane(Path socket) {
        this.socket = socket;
    }

    /** Runs {@code script} (a shell script written here) in a {@code columns} x {@code rows} pane. */
    static TmuxPane start(Path directory, String script, int columns, int rows) throws IOException, InterruptedException {
        Path file = directory.resolve("pane.sh");
        Files.writeString(file, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        TmuxPane pane = new TmuxPane(directory.resolve("tmux.sock"));
        pane.tmux("-f", "/dev/null", "new-session", "-d", "-s", SESSION, "-x", Integer.toString(columns), "-y",
                Integer.toString(rows), file.toString());
        return pane;
    }

    /** What the pane shows now, one string per line, trailing blanks removed. */
    List<String> screen() {
        try {
            return List.of(tmux("capture-pane", "-p", "-t", SESSION).split("\n", -1)).stream().map(String::stripTrailing)
                    .toList();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("tmux capture-pane failed", e);
        }
    }

    /** Waits until the screen satisfies {@code condition}; fails with what it showed last. */
    List<String> await(Duration timeout, String what, Predicate<List<String>> condition) {
        Await.until(timeout, () -> condition.test(screen()), () -> what + "; the screen:\n" + String.join("\n", screen()));
        return screen();
    }

    void keys(String keys) throws IOException, InterruptedException {
        tmux("send-keys", "-t", SESSION, "-l", keys);
    }

    void resize(int columns, int rows) throws IOException, InterruptedException {
        tmux("resize-window", "-t", SESSION, "-x", Integer.toString(columns), "-y", Integer.toString(rows));
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("tmux is needed for this test (apt-get install tmux; .ci/run installs it)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }

    @Override
    public void close() {
        try {
            tmux("kill-server");
        } catch (IOException | InterruptedException e) {
            // already gone
        }
    }
}
