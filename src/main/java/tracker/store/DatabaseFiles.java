package tracker.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps the database private to the user that runs the tracker: its directory mode 0700 and
 * its file 0600, whether the directory was made here or existed before (the file holds every
 * client's command line). A directory that another user can write is refused: they could
 * plant or swap the file (an H2 file can carry Java aliases that run in whoever opens it).
 * Stateless, thread-safe.
 */
final class DatabaseFiles {

    static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private DatabaseFiles() {
    }

    /**
     * Before a writer opens the database: creates {@code directory} 0700, or makes an existing
     * one 0700 after checking that nobody else can write it and that it is ours.
     */
    static void prepareForWriting(Path directory) {
        try {
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(directory);
                Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
                return;
            }
            refuseIfOthersCanWrite(directory);
            int owner = (int) Files.getAttribute(directory, "unix:uid");
            int self = currentUid();
            if (owner != self) {
                throw new DatabaseUnavailableException("database directory " + directory + " belongs to uid " + owner
                        + ", not to this user (uid " + self + "): use a directory of your own", null);
            }
            Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot prepare database directory " + directory + ": " + e, e);
        }
    }

    /** The directory of a daemon with a socket group: its members may pass through (to the command socket), not list. */
    static final Set<PosixFilePermission> SHARED_DIRECTORY_MODE = PosixFilePermissions.fromString("rwx--x---");

    /**
     * Lets {@code group} reach the command socket beside the database: the directory becomes
     * 0710 with that group. Its members can then open a path they know, never list the
     * directory nor read the file (0600).
     */
    static void shareWithGroup(Path directory, java.nio.file.attribute.GroupPrincipal group) {
        try {
            Files.getFileAttributeView(directory, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
            Files.setPosixFilePermissions(directory, SHARED_DIRECTORY_MODE);
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot give group " + group.getName() + " passage to " + directory
                    + ": " + e, e);
        }
    }

    /** Before a reader opens the database: only the check, nothing changes. */
    static void checkForReading(Path directory) {
        try {
            if (Files.isDirectory(directory)) {
                refuseIfOthersCanWrite(directory);
            }
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot read database directory " + directory + ": " + e, e);
        }
    }

    /** After a writer opened the database (H2 creates the file with the umask's mode). */
    static void makePrivate(Path file) {
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(file, FILE_MODE);
            }
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot make " + file + " private (mode 0600): " + e, e);
        }
    }

    /**
     * Refuses a directory that group or others may write, sticky or not: even in a sticky
     * directory (/tmp) another user may create the database's name first, or a link there.
     */
    private static void refuseIfOthersCanWrite(Path directory) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new DatabaseUnavailableException("database directory " + directory + " is writable by other users ("
                    + PosixFilePermissions.toString(mode) + "): use a private directory (mode 0700)", null);
        }
    }

    /** The effective uid of this process: /proc/self belongs to it. */
    static int currentUid() throws IOException {
        return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
