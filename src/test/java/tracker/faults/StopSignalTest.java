package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tracker.testing.WireClient;
import tracker.wire.Frame;

/**
 * {@code tracker serve} stopped by SIGTERM or SIGINT (a service manager, a Ctrl+C) commits
 * what it received and exits 0, so a supervisor sees a clean stop as one (no
 * {@code SuccessExitStatus=143} needed).
 */
class StopSignalTest {

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void stopSignalCommitsEverythingAndExitsZero(String signal) throws Exception {
        // a shell that starts commands in the background makes them ignore SIGINT, and a JVM
        // keeps an ignored SIGINT ignored: the daemon starts with the signal's default action
        try (ChildServe serve = ChildServe.start(List.of("env", "--default-signal=INT"), directory.resolve("t.sock"),
                directory.resolve("db").resolve("tracker"))) {
            try (WireClient client = WireClient.connect(serve.socket())) {
                Frame[] frames = new Frame[500];
                for (int i = 0; i < frames.length; i++) {
                    frames[i] = WireClient.alloc(0, 0x100L * (i + 1), 64, 0);
                }
                client.send(frames);
                client.query(0);
            }
            // the shell's own kill: no procps needed on the machine
            Process kill = new ProcessBuilder("sh", "-c", "kill -" + signal + " " + serve.pid()).start();
            assertEquals(0, kill.waitFor());
            assertTrue(serve.process().waitFor(60, TimeUnit.SECONDS), "stopped on SIG" + signal);
            assertEquals(0, serve.process().exitValue(), serve.output());
            assertTrue(serve.output().contains("stopped: 500 events committed,"), serve.output());
        }
    }
}
