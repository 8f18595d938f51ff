package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.TestDaemon;

/**
 * A process's command line and tags are its owner's to choose, and other people read them:
 * a client whose argv carries a terminal escape sequence (clear the screen) and a newline
 * followed by a forged log line, and whose tag carries an escape too, must not drive the
 * terminal of whoever runs {@code tracker ps}, nor write a line of its own into the daemon's
 * log. The client is a real process (python, the hostile text an argument it ignores).
 */
@Timeout(60)
class HostileTextTest {

    private static final String CLEAR = "\u001b[2J";
    private static final String FORGED = "\n12:00:00.000 stopped: 0 events committed";

    @TempDir
    Path directory;

    @Test
    void commandLinesAndTagsPrintWithoutControlCharacters() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            ProcessBuilder builder = new ProcessBuilder("bash", "-c", "exec python3 src/test/python/my_model.py \"$NAME\"");
            builder.environment().put("NAME", "model" + CLEAR + FORGED);
            builder.environment().put("TRACKER_SOCKET", daemon.socket().toString());
            builder.environment().put("TRACKER_TAG_job", "x" + CLEAR);
            Process client = builder.redirectErrorStream(true).start();
            try {
                String ready = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertTrue(ready != null && ready.startsWith("ready "), "client: " + ready);
                String pid = ready.substring("ready ".length()).strip();
                Await.until("pid " + pid + " holds its buffers", () -> Cli.throughDaemon(daemon.database(), "leaks",
                        "--live", "--pid", pid, "--format", "csv").exit() == ExitCode.CHECK_FAILED);

                for (List<String> args : List.of(List.of("ps", "--wide"), List.of("leaks", "--live", "--wide"),
                        List.of("dump", "--wide"))) {
                    Cli.Result result = Cli.throughDaemon(daemon.database(), args.toArray(String[]::new));
                    String table = result.out();
                    assertEquals(args.get(0).equals("leaks") ? ExitCode.CHECK_FAILED : ExitCode.OK, result.exit(),
                            args + ": " + result);
                    assertFalse(table.contains("\u001b"), args + ": " + table);
                    assertTrue(table.contains("model\\x1b[2J\\x0a12:00:00.000 stopped"), args + ": " + table);
                    assertTrue(table.contains("job=x\\x1b[2J"), args + ": " + table);
                }
            } finally {
                client.destroyForcibly();
                client.waitFor(10, TimeUnit.SECONDS);
            }
            daemon.flush();
            String log = daemon.output();
            assertFalse(log.contains("\u001b"), log);
            assertEquals(0, log.lines().filter(line -> line.startsWith("12:00:00.000 stopped")).count(), log);
            assertTrue(log.contains("model\\x1b[2J\\x0a12:00:00.000 stopped"), log);
        }
    }
}
