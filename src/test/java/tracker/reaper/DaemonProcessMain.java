package tracker.reaper;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import tracker.server.ServerConfig;
import tracker.server.TrackerDaemon;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * A daemon in a process of its own, for tests that need it somewhere this JVM cannot be
 * (in another PID namespace): {@code DaemonProcessMain DIRECTORY REAP_INTERVAL_MS} serves
 * on DIRECTORY/tracker.sock (mode 0666) with the database under DIRECTORY/db, prints its
 * output on stdout, and stops cleanly when its stdin ends.
 */
public final class DaemonProcessMain {

    private DaemonProcessMain() {
    }

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args[0]);
        long reapIntervalMs = Long.parseLong(args[1]);
        ServerConfig c = TestDaemon.config(directory, WireVersion.V3);
        ServerConfig config = new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), reapIntervalMs,
                PosixFilePermissions.fromString("rw-rw-rw-"), c.socketGroup(), c.deviceInfo(), c.retentionMs(),
                c.pruneIntervalMs(), c.verbose());
        TrackerDaemon daemon = new TrackerDaemon(config, System.out, Clock.systemUTC()).start();
        try {
            while (System.in.read() >= 0) {
                // runs until the test closes our stdin
            }
        } finally {
            daemon.close();
            System.out.flush();
        }
        System.exit(0);
    }
}
