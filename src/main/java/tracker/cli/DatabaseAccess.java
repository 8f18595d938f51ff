package tracker.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import tracker.store.Database;
import tracker.store.DatabaseUnavailableException;

/**
 * Whether this user may open a database file at all, asked before H2 is: H2 reports a file
 * it may not read as missing ("no database at ...") or as held by another process, which
 * sends the user looking for the wrong fault. Stateless.
 */
final class DatabaseAccess {

    private DatabaseAccess() {
    }

    /**
     * @param database the database path, without H2's suffix
     * @param write    whether the command changes the database
     * @throws DatabaseUnavailableException "permission denied", naming the file, when the
     *     file or its directory is closed to this user; nothing when the file is missing
     *     (the store says so) or open to this user
     */
    static void check(Path database, boolean write) {
        Path file = Database.fileOf(database.toAbsolutePath().normalize());
        try {
            Files.readAttributes(file, BasicFileAttributes.class);
        } catch (AccessDeniedException e) {
            throw denied(file, "its directory " + file.getParent() + " is closed to this user");
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            return; // the store's own open reports whatever this is
        }
        if (!Files.isReadable(file) || (write && !Files.isWritable(file))) {
            throw denied(file, "the file is closed to this user");
        }
    }

    private static DatabaseUnavailableException denied(Path file, String why) {
        return new DatabaseUnavailableException("permission denied: cannot open database " + file + " (" + why
                + "; run the command as the daemon's user, or as a member of its --socket-group while it runs)",
                null);
    }
}
