package tracker.testing;

import java.time.Duration;

/** Waits for lines on a {@link TestDaemon}'s output, by polling it up to a deadline. */
public final class DaemonOutput {

    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    private DaemonOutput() {
    }

    /** Waits until the daemon has printed {@code needle}; returns its whole output then. */
    public static String awaitContains(TestDaemon daemon, String needle) {
        Await.until(TIMEOUT, () -> daemon.output().contains(needle),
                () -> "daemon output to contain \"" + needle + "\"; it was:\n" + daemon.output());
        return daemon.output();
    }

    /** The output printed after {@code from} characters, e.g. since a test step began. */
    public static String since(TestDaemon daemon, int from) {
        String output = daemon.output();
        return output.substring(Math.min(from, output.length()));
    }
}
