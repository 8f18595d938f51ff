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
 * Whether this user may open a database file at all, and whether it is one, asked before H2
 * is: H2 reports a file it may not read as missing ("no database at ...") or as held by
 * another process, and a file of another format as an "IO Exception", which sends the user
 * looking for the wrong fault. Stateless.
 */
final class DatabaseAccess {

    private DatabaseAccess() {
    }

    /**
     * @param database the database path, without H2's suffix
     * @param write    whether the command changes the database
     * @throws DatabaseUnavailableException "permission denied", naming the file, when the
     *     file or its directory is closed to this user, or "not a tracker database" for a
     *     file that is not H2's; nothing when the file is missing or empty (the store says so)
     *     or open to this user
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
        if (!startsAsH2(file)) {
            // H2 would answer "IO Exception" with its error number; and a writer must not touch it
            throw new DatabaseUnavailableException(file + " is not a tracker database (it is not an H2 database"
                    + " file: another application's file?); it was left as it is", null);
        }
    }

    /** Every H2 MVStore file, however damaged later, begins with its header "H:2,"; an empty one is the store's case. */
    private static boolean startsAsH2(Path file) {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(H2_HEADER.length);
            return head.length == 0 || java.util.Arrays.equals(head, H2_HEADER);
        } catch (IOException e) {
            return true; // the store's own open reports whatever this is
        }
    }

    private static final byte[] H2_HEADER = "H:2,".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static DatabaseUnavailableException denied(Path file, String why) {
        return new DatabaseUnavailableException("permission denied: cannot open database " + file + " (" + why
                + "; run the command as the daemon's user, or as a member of its --socket-group while it runs)",
                null);
    }
}
