package tracker.testing;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import tracker.server.ServerConfig;

/** Copies of a {@link ServerConfig} with one setting changed. */
public final class ConfigVariants {

    private ConfigVariants() {
    }

    public static ServerConfig withSocket(ServerConfig c, Path socket) {
        return new ServerConfig(socket, c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                c.socketMode(), c.socketGroup(), c.deviceInfo(), c.retentionMs(), c.pruneIntervalMs(), c.verbose());
    }

    public static ServerConfig withDatabase(ServerConfig c, Path database) {
        return new ServerConfig(c.socket(), c.wire(), database, c.commitIntervalMs(), c.reapIntervalMs(),
                c.socketMode(), c.socketGroup(), c.deviceInfo(), c.retentionMs(), c.pruneIntervalMs(), c.verbose());
    }

    public static ServerConfig withDeviceInfo(ServerConfig c, Path deviceInfo) {
        return new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                c.socketMode(), c.socketGroup(), deviceInfo, c.retentionMs(), c.pruneIntervalMs(), c.verbose());
    }

    public static ServerConfig withSocketMode(ServerConfig c, Set<PosixFilePermission> mode) {
        return new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                mode, c.socketGroup(), c.deviceInfo(), c.retentionMs(), c.pruneIntervalMs(), c.verbose());
    }

    public static ServerConfig withAcceptRollback(ServerConfig c) {
        return new ServerConfig(c.socket(), c.wire(), c.database(), c.commitIntervalMs(), c.reapIntervalMs(),
                c.socketMode(), c.socketGroup(), c.deviceInfo(), c.retentionMs(), c.pruneIntervalMs(), c.verbose(),
                true);
    }
}
