package tracker.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code tracker} command line ({@code tracker.cli.Main}) run as uid 65534 (gid 65534, no
 * other groups) through {@code setpriv}, as a user who is not the daemon's would run it. Its
 * class path is copied once per test JVM into a directory that user may read (the build's own
 * may be under a private home). Call {@link OtherUserClient#assumePossible()} first.
 */
final class OtherUserCli {

    record Result(int exit, String out, String err) {
    }

    private static String classPath;

    private OtherUserCli() {
    }

    /** This JVM's class path (tests and their libraries left out), copied where uid 65534 may read it. */
    private static synchronized String classPath() throws IOException {
        if (classPath != null) {
            return classPath;
        }
        Path directory = Files.createTempDirectory("otherusercli");
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (entry.contains("test-classes") || !Files.exists(source)) {
                continue;
            }
            Path target = directory.resolve((n++) + "-" + source.getFileName());
            copy(source, target);
            entries.add(target.toString());
        }
        try (Stream<Path> all = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(directory)));
        classPath = String.join(File.pathSeparator, entries);
        return classPath;
    }

    private static void copy(Path source, Path target) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(path, to);
                }
            }
        }
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> tree = Files.walk(directory)) {
            tree.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }

    /** Runs {@code tracker args} as uid 65534, in /, and waits for it. */
    static Result run(String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + OtherUserClient.NOBODY,
                "--regid=" + OtherUserClient.NOBODY, "--clear-groups", java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", classPath(), "tracker.cli.Main"));
        command.addAll(List.of(args));
        Path errFile = Files.createTempFile("otherusercli", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(new File("/")).redirectError(errFile.toFile());
            builder.environment().remove("TRACKER_DB");
            Process process = builder.start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("tracker as uid " + OtherUserClient.NOBODY + " did not finish");
            }
            return new Result(process.exitValue(), out, Files.readString(errFile));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
