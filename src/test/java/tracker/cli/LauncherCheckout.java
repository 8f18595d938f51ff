package tracker.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * A checkout as a shell sees it, for commands typed as the README types them: the launcher
 * cli/tracker, copied from this checkout, on a target/tracker.jar of the classes under test.
 *
 * <p>Without sources beside it the launcher never builds, and without cli/class-data-archive
 * it runs the jar without a class-data archive. The jar holds only a manifest that names this
 * test run's class path: the launcher runs what is tested, not what was last packaged.
 */
final class LauncherCheckout {

    private LauncherCheckout() {
    }

    /** Makes the checkout at {@code root}; returns it. */
    static Path create(Path root) throws IOException {
        Files.createDirectories(root.resolve("cli"));
        Files.copy(Path.of("cli", "tracker"), root.resolve("cli/tracker"));
        Files.createDirectories(root.resolve("target"));
        Manifest manifest = new Manifest();
        Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        attributes.put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path")
                .split(File.pathSeparator)).map(entry -> Path.of(entry).toAbsolutePath().toUri().toString())
                .collect(Collectors.joining(" ")));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(root.resolve("target/tracker.jar")),
                manifest)) {
            // the manifest is the whole jar
        }
        return root;
    }

    /** What the launcher needs from the environment: this JVM's Java, and cli/ on PATH for {@code tracker}. */
    static void environment(Path root, Map<String, String> env) {
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", root.resolve("cli") + File.pathSeparator + System.getenv("PATH"));
    }
}
