package tracker.server;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The listening socket. Refuses to take a path where a daemon answers (the original server
 * unlinked it and stole live clients); replaces a stale file nobody answers on; sets the
 * file's mode so that only the owner (and a chosen group) may connect.
 */
final class IngestSocket implements AutoCloseable {

    private final Path path;
    private final AFUNIXServerSocket server;

    private IngestSocket(Path path, AFUNIXServerSocket server) {
        this.path = path;
        this.server = server;
    }

    /** @return null-free; throws {@link SocketInUseException} when a daemon answers on {@code path} */
    static IngestSocket bind(Path path, Set<PosixFilePermission> mode) throws IOException {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocketFile(path)) {
                throw new SocketInUseException(path + " exists and is not a socket; not replacing it");
            }
            if (answers(path)) {
                throw new SocketInUseException("another daemon is listening on " + path
                        + "; stop it first, or pass --socket PATH");
            }
            Files.delete(path); // stale: left by a daemon that died
        }
        AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        server.bind(AFUNIXSocketAddress.of(path), 512);
        Files.setPosixFilePermissions(path, mode);
        return new IngestSocket(path, server);
    }

    private static boolean isSocketFile(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    /** True when something accepts connections on {@code path}. */
    static boolean answers(Path path) {
        try (AFUNIXSocket probe = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    AFUNIXSocket accept() throws IOException {
        return server.accept();
    }

    static boolean isFileDescriptorLimit(SocketException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("Too many open files") || message.contains("EMFILE") || message.contains("ENFILE");
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
