package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;

/**
 * {@code tracker top} as a person uses it: the real command in a real terminal (tmux), a
 * running daemon, real clients that allocate and one killed with kill -9; every check reads
 * the screen the way the person would.
 */
class TopTmuxTest {

    private static final Duration STARTUP = Duration.ofSeconds(30);
    /** a JVM start, then a refresh a second: generous for a loaded machine */
    private static final Duration SHOWN = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private final List<HoldClient> clients = new ArrayList<>();

    @AfterEach
    void endClients() {
        clients.forEach(HoldClient::close);
    }

    private int client(TestDaemon daemon, String job, String... options) throws Exception {
        HoldClient client = HoldClient.startWithEnvironment(Map.of("TRACKER_TAG_job", job), daemon.socket(), options);
        clients.add(client);
        return client.awaitReady(STARTUP);
    }

    private static Optional<Integer> rowOf(List<String> screen, int pid) {
        for (int i = 0; i < screen.size(); i++) {
            if (screen.get(i).startsWith(pid + " ")) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> line(List<String> screen, String start) {
        return screen.stream().filter(line -> line.startsWith(start)).findFirst();
    }

    private static int barEnd(List<String> screen) {
        return line(screen, "  DRAM ").map(bar -> bar.indexOf(']')).orElse(-1);
    }

    @Test
    void showsBarsAndProcessesFollowsAKilledClientAndObeysItsKeys() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            // the smaller one first: by pid it sorts first, by bytes last
            int small = client(daemon, "small", "-b", "3", "-o", "0x100000");
            int big = client(daemon, "big", "-b", "12", "-o", "0x900000");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String script = "'" + java + "' -cp '" + System.getProperty("java.class.path") + "' tracker.cli.Main top --db '"
                    + daemon.database() + "'\necho \"top exited $?\"\nsleep 600";
            try (TmuxPane pane = TmuxPane.start(directory, script, 120, 40)) {
                List<String> screen = pane.await(SHOWN, "both clients and a DRAM bar on the screen",
                        s -> rowOf(s, small).isPresent() && rowOf(s, big).isPresent() && barEnd(s) > 0);
                assertTrue(screen.get(0).startsWith("tracker top ") && screen.get(1).startsWith("sort: live  device: all"),
                        String.join("\n", screen));
                assertTrue(screen.get(1).contains("q quit  s sort  d device"), String.join("\n", screen));
                assertTrue(screen.contains("device 0") && screen.contains("device 1"), String.join("\n", screen));
                assertTrue(line(screen, "  DRAM ").orElseThrow().matches("  DRAM +\\[#+\\.*\\] .* \\(peak\\) +100%"),
                        String.join("\n", screen));
                assertTrue(screen.get(rowOf(screen, big).orElseThrow()).contains("job=big"), String.join("\n", screen));
                assertTrue(rowOf(screen, big).get() < rowOf(screen, small).get(), "most live bytes first:\n"
                        + String.join("\n", screen));

                // s: live, then peak, then pid
                pane.keys("s");
                pane.await(SHOWN, "sorted by peak", s -> s.get(1).contains("sort: peak"));
                pane.keys("s");
                screen = pane.await(SHOWN, "sorted by pid", s -> s.get(1).contains("sort: pid")
                        && rowOf(s, small).isPresent() && rowOf(s, big).isPresent());
                assertTrue(rowOf(screen, Math.min(small, big)).get() < rowOf(screen, Math.max(small, big)).get(),
                        "lowest pid first:\n" + String.join("\n", screen));

                // a narrower terminal: shorter bars, every line within it
                int wide = barEnd(screen);
                pane.resize(80, 30);
                screen = pane.await(SHOWN, "the bars shortened to 80 columns", s -> barEnd(s) > 0 && barEnd(s) < wide);
                for (String row : screen) {
                    assertTrue(row.length() <= 80, row);
                }

                // d: device 0 alone, then device 1, then all again
                pane.keys("d");
                screen = pane.await(SHOWN, "device 0 picked", s -> s.get(1).contains("device: 0"));
                assertTrue(screen.contains("device 0") && !screen.contains("device 1"), String.join("\n", screen));
                pane.keys("d");
                pane.await(SHOWN, "device 1 picked", s -> s.get(1).contains("device: 1") && !s.contains("device 0"));
                pane.keys("d");
                pane.await(SHOWN, "all devices again", s -> s.get(1).contains("device: all") && s.contains("device 0"));

                // kill -9: reaped, gone from the screen, counted
                HoldClient.kill9(big);
                screen = pane.await(SHOWN, "the killed client gone after its reap",
                        s -> rowOf(s, big).isEmpty() && rowOf(s, small).isPresent() && s.get(0).contains("reaps (last min) 1"));

                pane.keys("q");
                screen = pane.await(SHOWN, "top ended with exit 0", s -> s.contains("top exited 0"));
                assertTrue(screen.stream().noneMatch(row -> row.startsWith("tracker top ")),
                        "the screen was given back:\n" + String.join("\n", screen));
            }
        }
    }
}
