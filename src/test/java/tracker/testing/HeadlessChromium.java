package tracker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium, headless, opening a local file with the network out of reach: in a
 * network namespace of its own (no interface but a downed loopback) when run as root, as CI
 * runs, and always with name resolution and a proxy that lead nowhere. Each run gets a fresh
 * profile. Console messages (script errors, refused loads) are read from its log on stderr.
 *
 * <p>Missing Chromium skips a test on a developer's machine, and fails it under {@code CI=true}
 * ({@code .ci/run} installs it).
 */
public final class HeadlessChromium {

    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 60;

    /** What a run printed: the page's DOM (for {@link #dumpDom}), and the console lines of its log. */
    public record Run(String stdout, List<String> consoleLines, String log) {
    }

    private HeadlessChromium() {
    }

    /** The binary, or the test is skipped (outside CI) or failed (in CI). */
    public static Path require() {
        if (Files.isExecutable(BINARY)) {
            return BINARY;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(BINARY + " is missing: CI must install chromium (see .ci/run)");
        }
        Assumptions.abort(BINARY + " is missing (apt-get install chromium); CI=true fails instead of skipping");
        return BINARY;
    }

    /** The DOM of {@code page} once its scripts ran. */
    public static Run dumpDom(Path page, Path scratch) throws IOException, InterruptedException {
        return run(page, scratch, List.of("--dump-dom"));
    }

    /** A PNG of {@code page} at {@code width} x {@code height} CSS pixels, written to {@code png}. */
    public static Run screenshot(Path page, Path scratch, Path png, int width, int height)
            throws IOException, InterruptedException {
        return run(page, scratch, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars"));
    }

    private static Run run(Path page, Path scratch, List<String> action) throws IOException, InterruptedException {
        Path binary = require();
        Path profile = Files.createTempDirectory(scratch, "chromium-profile");
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("unshare", "--net"));
        }
        command.addAll(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=0"));
        command.addAll(action);
        command.add(page.toAbsolutePath().toUri().toString());
        Path out = scratch.resolve("chromium-" + System.nanoTime() + ".out");
        Path err = scratch.resolve("chromium-" + System.nanoTime() + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        String log = Files.readString(err, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError("chromium exited " + process.exitValue() + ": " + log);
        }
        List<String> console = log.lines().filter(line -> line.contains(":CONSOLE")).toList();
        return new Run(Files.readString(out, StandardCharsets.UTF_8), console, log);
    }

    private static boolean isRoot() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return false;
        }
    }
}
