package tracker.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/** A C helper compiled once per test JVM into a directory of mode 755, so that uid 65534 may run it. */
final class OtherUserBinary {

    private OtherUserBinary() {
    }

    /** Compiles {@code source} as {@code name}; the files and their directory go at exit. */
    static Path compile(String name, String source) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("otheruser" + name);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = directory.resolve(name + ".c");
        Path output = directory.resolve(name);
        // deleted at exit in the reverse order: the files, then their directory
        directory.toFile().deleteOnExit();
        file.toFile().deleteOnExit();
        output.toFile().deleteOnExit();
        Files.writeString(file, source);
        Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-o", output.toString(), file.toString())
                .redirectErrorStream(true).start();
        String messages = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
            throw new IOException("cc failed:\n" + messages);
        }
        Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rwxr-xr-x"));
        return output;
    }
}
