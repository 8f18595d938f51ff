package tracker.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * What {@code tracker serve} checks before it touches anything, so that a start bound to fail
 * leaves no database, marker or socket file behind. Stateless.
 */
final class StartChecks {

    private StartChecks() {
    }

    /** The socket's directory must exist: the daemon never creates directories outside its database's. */
    static void socketDirectoryExists(Path socket) {
        Path directory = socket.toAbsolutePath().getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new SocketUnavailableException("the socket directory " + directory + " does not exist (--socket "
                    + socket + ")");
        }
    }

    /**
     * The group named by {@code --socket-group}, or null when none was named.
     *
     * @throws IllegalArgumentException for a group this system does not know: a bad option
     */
    static GroupPrincipal socketGroup(ServerConfig config) throws IOException {
        if (config.socketGroup() == null) {
            return null;
        }
        try {
            return config.socket().getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(config.socketGroup());
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException("--socket-group: no group named '" + config.socketGroup()
                    + "' on this system");
        }
    }
}
