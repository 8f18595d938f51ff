package tracker.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Lowers the CPU priority of the calling thread to nice 19, so that a long command (a cross
 * join, a whole history) takes only the CPU that ingest, commits and QUERY answers leave over.
 * On a two-core runner a query at normal priority is one more thread the ledger waits behind
 * for a core; at nice 19 the query slows down instead.
 *
 * <p>Linux applies {@code setpriority} to one thread when given its thread id; the JDK has no
 * call for it, so {@code renice} does it, once per command thread. Without {@code /proc} or
 * {@code renice} the thread keeps its priority and the command still runs. Thread-safe.
 */
final class BackgroundPriority {
    static final int NICE = 19;

    private BackgroundPriority() {
    }

    /** @return whether the calling thread now runs at {@link #NICE} */
    static boolean lowerCurrentThread() {
        try {
            // "/proc/thread-self" links to "<pid>/task/<tid>"
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return renice.waitFor(5, TimeUnit.SECONDS) && renice.exitValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
