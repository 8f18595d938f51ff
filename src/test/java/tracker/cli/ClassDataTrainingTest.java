package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher makes its class-data archive only when this run succeeds (and says nothing
 * when it does not: commands just start slower), so it must walk every path to the end.
 */
class ClassDataTrainingTest {

    @TempDir
    Path directory;

    @Test
    void walksTheFileAndTheForwardingPathsAndExitsCleanly() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ClassDataTraining.class.getName(), directory.toString())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the training did not finish");
        assertEquals(0, process.exitValue(), out);
        List<String> lines = out.lines().toList();
        // history read from the file shows the seeded events
        assertTrue(lines.stream().anyMatch(line -> line.matches(".*\\b4242\\s+ALLOC\\b.*")), out);
        assertTrue(lines.stream().anyMatch(line -> line.matches(".*\\b4242\\s+FREE\\b.*")), out);
        // both forwarded commands reached the command socket and got its answer
        assertEquals(2, lines.stream().filter("trained"::equals).count(), out);
    }
}
