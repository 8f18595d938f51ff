package tracker.server;

import java.time.Duration;

/**
 * What one client of the command socket may take from the daemon. Every number is small on
 * purpose: a command line is a few KiB, and a query the daemon answers must never starve
 * ingest of heap, threads or time.
 *
 * @param maxArgs            arguments in one request
 * @param maxRequestBytes    bytes of one request, counts and lengths included
 * @param pendingConnections connections still sending their request, all users together
 * @param pendingPerUser     of those, from one user
 * @param commandThreads     commands that run at once (the daemon's user and root may use all)
 * @param commandsPerUser    of those, from one user other than the daemon's and root
 * @param requestTimeout     time from connect to the last byte of the request
 * @param commandTimeout     time from the request to the last byte of the answer
 * @param maxOutputBytes     bytes of one command's answer
 */
public record ControlLimits(int maxArgs, int maxRequestBytes, int pendingConnections, int pendingPerUser,
                            int commandThreads, int commandsPerUser, Duration requestTimeout,
                            Duration commandTimeout, long maxOutputBytes) {

    /** The limits of {@code tracker serve}; the README lists them. */
    public static final ControlLimits DEFAULT = new ControlLimits(128, 16 * 1024, 32, 8, 2, 1,
            Duration.ofSeconds(5), Duration.ofSeconds(60), 256L * 1024 * 1024);

    public ControlLimits {
        if (maxArgs < 1 || maxRequestBytes < 8 || pendingConnections < 1 || pendingPerUser < 1 || commandThreads < 1
                || commandsPerUser < 1 || requestTimeout.isNegative() || commandTimeout.isNegative()
                || maxOutputBytes < 1) {
            throw new IllegalArgumentException("command socket limits must be positive");
        }
    }

    /** The same limits with another command timeout and output size (tests reach them quickly). */
    public ControlLimits withCommand(Duration timeout, long outputBytes) {
        return new ControlLimits(maxArgs, maxRequestBytes, pendingConnections, pendingPerUser, commandThreads,
                commandsPerUser, requestTimeout, timeout, outputBytes);
    }

    /** The same limits with another number of command threads, and as many per user. */
    public ControlLimits withCommandThreads(int threads) {
        return new ControlLimits(maxArgs, maxRequestBytes, pendingConnections, pendingPerUser, threads, threads,
                requestTimeout, commandTimeout, maxOutputBytes);
    }
}
