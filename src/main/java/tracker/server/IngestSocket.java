package tracker.server;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The listening socket. Refuses to take a path where a daemon answers (the original server
 * unlinked it and stole live clients), and never a file that is not a socket; removes a stale
 * socket nobody answers on ({@link #removeStale}); sets the file's mode so that only the owner
 * (and a chosen group) may connect. It listens under a hidden name of its own beside the path
 * ({@code .NAME.PID}, kept while it listens) and appears at the path only once
 * {@link #publish()}ed, when connections are accepted: a script that waits for the file finds a
 * daemon that answers. Not thread-safe: started and closed by
 * the daemon's start and stop.
 */
final class IngestSocket implements AutoCloseable {

    /** sun_path holds 108 bytes with its terminating NUL */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private final Path path;
    /** where it listens until published; equal to {@link #path} when that name would be too long */
    private final Path pending;
    private final AFUNIXServerSocket server;
    private boolean published;

    private IngestSocket(Path path, Path pending, AFUNIXServerSocket server) {
        this.path = path;
        this.pending = pending;
        this.server = server;
        this.published = path.equals(pending);
    }

    /**
     * Removes a socket file at {@code path} that nobody answers on (left by a daemon killed with
     * -9); a script waiting for the file must not find it before this daemon listens.
     *
     * @throws SocketInUseException when a daemon answers there, or the path is not a socket
     */
    static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocketFile(path)) {
            throw new SocketInUseException(path + " exists and is not a socket; not replacing it");
        }
        if (answers(path)) {
            throw new SocketInUseException("another daemon is listening on " + path
                    + "; stop it first, or pass --socket PATH");
        }
        Files.deleteIfExists(path);
    }

    /**
     * Listens, not yet at {@code path}: see {@link #publish()}.
     *
     * @throws SocketInUseException when a daemon answers on {@code path}
     */
    static IngestSocket bind(Path path, Set<PosixFilePermission> mode, GroupPrincipal group) throws IOException {
        removeStale(path);
        Path pending = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid());
        if (pending.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            pending = path; // no room for a second name: listen at the path itself, as before
        } else {
            removeStale(pending);
        }
        AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        try {
            // both names are unlinked by close(), not by the library
            server.setDeleteOnClose(false);
            server.bind(AFUNIXSocketAddress.of(pending), 512);
            Files.setPosixFilePermissions(pending, mode);
            if (group != null) {
                Files.getFileAttributeView(pending, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setGroup(group);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(pending);
            throw e;
        }
        return new IngestSocket(path, pending, server);
    }

    /**
     * Puts the listening socket at its path; called once connections are accepted. A hard link,
     * not a rename: a rename would replace whatever appeared at the path meanwhile (another
     * daemon started at the same time), a link refuses it.
     *
     * @throws SocketInUseException when a daemon took the path meanwhile
     */
    void publish() throws IOException {
        if (published) {
            return;
        }
        try {
            Files.createLink(path, pending);
        } catch (FileAlreadyExistsException e) {
            removeStale(path); // throws when a daemon answers there
            Files.createLink(path, pending);
        }
        // The name it was bound under stays while it listens: junixsocket's accept checks the
        // file it bound, and closes the socket once that file is gone.
        published = true;
    }

    private static boolean isSocketFile(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
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
        if (published) {
            Files.deleteIfExists(path); // unpublished, the path may be another daemon's
        }
        Files.deleteIfExists(pending);
    }
}
