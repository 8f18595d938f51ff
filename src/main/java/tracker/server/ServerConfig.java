package tracker.server;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import tracker.wire.WireVersion;

/**
 * Everything {@code tracker serve} is started with. Validated once, at construction.
 *
 * @param socketGroup     group to own the socket file, or null to leave it as created
 * @param deviceInfo      the {@code --device-info} file, or null
 * @param retentionMs     history and audit older than this are pruned; 0 keeps everything
 * @param acceptRollback  start on a database older than what was last committed to it
 *                        (see {@link tracker.store.CommitMarker}) instead of refusing
 */
public record ServerConfig(
        Path socket,
        WireVersion wire,
        Path database,
        long commitIntervalMs,
        long reapIntervalMs,
        Set<PosixFilePermission> socketMode,
        String socketGroup,
        Path deviceInfo,
        long retentionMs,
        long pruneIntervalMs,
        boolean verbose,
        boolean acceptRollback) {

    public static final Path DEFAULT_SOCKET = Path.of("/tmp/tt_allocation_server.sock");
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 500;
    public static final long DEFAULT_REAP_INTERVAL_MS = 10_000;

    public ServerConfig {
        if (commitIntervalMs < 1 || commitIntervalMs > 60_000) {
            throw new IllegalArgumentException("--commit-interval must be between 1 ms and 60 s");
        }
        if (reapIntervalMs < 10) {
            throw new IllegalArgumentException("--reap-interval must be at least 10 ms");
        }
        if (retentionMs < 0 || pruneIntervalMs < 1000) {
            throw new IllegalArgumentException("--retention must not be negative and --prune-interval at least 1 s");
        }
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new IllegalArgumentException("socket path longer than 107 bytes: " + socket);
        }
    }

    /** Refuses a rolled-back database (the usual case). */
    public ServerConfig(Path socket, WireVersion wire, Path database, long commitIntervalMs, long reapIntervalMs,
                        Set<PosixFilePermission> socketMode, String socketGroup, Path deviceInfo, long retentionMs,
                        long pruneIntervalMs, boolean verbose) {
        this(socket, wire, database, commitIntervalMs, reapIntervalMs, socketMode, socketGroup, deviceInfo,
                retentionMs, pruneIntervalMs, verbose, false);
    }

    /** The control socket of the daemon that owns {@code database}. */
    public static Path controlSocketOf(Path database) {
        return Path.of(database.toAbsolutePath().normalize() + ".ctl");
    }
}
