package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/** {@code tracker wait-ready}: a CI job's way to know the daemon hears its clients. */
class WaitReadyTest {

    @TempDir
    Path directory;

    @Test
    void answersAtOnceWhenTheDaemonServes() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, WireVersion.V3)) {
            Cli.serveCommands(daemon.daemon());
            long started = System.nanoTime();
            Cli.Result ready = Cli.onFile("wait-ready", "--db", daemon.database().toString(), "--timeout", "20s");
            assertEquals(0, ready.exit(), ready.err());
            assertEquals("", ready.err());
            assertTrue(System.nanoTime() - started < 10_000_000_000L, "answered well before its timeout");
        }
    }

    @Test
    void givesUpAfterItsTimeoutWithOneLine() {
        Path db = directory.resolve("db").resolve("tracker");
        long started = System.nanoTime();
        Cli.Result ready = Cli.onFile("wait-ready", "--db", db.toString(), "--timeout", "300ms");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(ExitCode.UNAVAILABLE, ready.exit());
        assertEquals(1, ready.err().lines().count(), ready.err());
        assertTrue(ready.err().contains(db.toString()), ready.err());
        assertTrue(tookMs >= 300, "waited its timeout: " + tookMs + " ms");
    }

    @Test
    void badTimeoutIsAUsageError() {
        Cli.Result ready = Cli.onFile("wait-ready", "--timeout", "soon");
        assertEquals(ExitCode.USAGE, ready.exit());
        assertTrue(ready.err().contains("--timeout"), ready.err());
    }
}
