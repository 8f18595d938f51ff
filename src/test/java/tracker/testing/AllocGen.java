package tracker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The load generator {@code src/test/c/allocgen.c} (a copy of the team's shared
 * {@code tools/allocgen.c}, kept here so that a clone alone runs every test), compiled once per
 * test JVM with the system C compiler into a temporary directory.
 *
 * <p>Its clients are deterministic (see the source's header): the {@code s}-th allocation of a
 * client is {@code base * (1 + s % 7)} bytes, of DRAM for even {@code s} and of L1 for odd ones;
 * with a window of one and an even count of messages a client frees all it allocated.
 */
public final class AllocGen {

    /** The default base size of an allocation ({@code -z}). */
    public static final long BASE_SIZE = 4096;

    private static Path binary;

    private AllocGen() {
    }

    /** The compiled load generator. */
    public static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path source = Path.of(System.getProperty("basedir", ".")).resolve("src/test/c/allocgen.c").toAbsolutePath();
        if (!Files.isRegularFile(source)) {
            throw new IOException("allocgen source not found at " + source);
        }
        Path directory = Files.createTempDirectory("allocgen");
        Path output = directory.resolve("allocgen");
        Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-o", output.toString(), source.toString())
                .redirectErrorStream(true).start();
        String messages = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
            throw new IOException("cc failed on " + source + ":\n" + messages);
        }
        directory.toFile().deleteOnExit(); // deleted in reverse order: the file, then its directory
        output.toFile().deleteOnExit();
        binary = output;
        return binary;
    }

    /** What a client's first {@code count} allocations ({@code -w count -n count}) add up to, of one memory type. */
    public static long windowBytes(int count, boolean dram) {
        long bytes = 0;
        for (int s = dram ? 0 : 1; s < count; s += 2) {
            bytes += BASE_SIZE * (1 + s % 7);
        }
        return bytes;
    }
}
