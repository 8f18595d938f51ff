package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher cli/tracker as a shell runs it, on a copy of the checkout whose {@code mvn} is a
 * stand-in that records each build: two first commands started at once build once.
 */
class LauncherBuildLockTest {

    @TempDir
    Path directory;

    @Test
    void twoFirstCommandsStartedAtOnceBuildOnce() throws Exception {
        Path root = directory.resolve("checkout");
        Files.createDirectories(root.resolve("cli"));
        Files.createDirectories(root.resolve("src/main"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.copy(Path.of("cli/tracker").toAbsolutePath(), root.resolve("cli/tracker"));
        Path events = directory.resolve("builds.log");
        Path bin = Files.createDirectories(directory.resolve("bin"));
        // a build that takes a second and says whether another one was running meanwhile
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, String.join("\n",
                "#!/bin/sh",
                "mkdir \"" + directory.resolve("building") + "\" 2>/dev/null || echo overlap >> \"" + events + "\"",
                "echo build >> \"" + events + "\"",
                "sleep 1",
                "mkdir -p target && echo 'not a jar' > target/tracker.jar",
                "rmdir \"" + directory.resolve("building") + "\" 2>/dev/null",
                ""));
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwx------"));

        List<Process> launchers = List.of(launch(root, bin), launch(root, bin));
        for (Process launcher : launchers) {
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
        }
        assertEquals(List.of("build"), Files.readAllLines(events),
                "one build, and none while another ran");
    }

    private Process launch(Path root, Path bin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("cli/tracker").toString(), "--version");
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        return builder.start();
    }
}
