package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database directory is 0700 and the file 0600 however they came to be, and a directory
 * that another user can write, or that belongs to another user, is refused with one line.
 */
class DatabaseFilesTest {

    @TempDir
    Path directory;

    @Test
    void aNewDirectoryIsCreatedPrivate() throws Exception {
        Path database = directory.resolve("new").resolve("tracker");
        try (Database opened = Database.open(database, Database.Access.READ_WRITE)) {
            assertEquals("rwx------", mode(database.getParent()));
            assertEquals("rw-------", mode(Database.fileOf(database)));
        }
    }

    @Test
    void anExistingOpenDirectoryAndFileBecomePrivate() throws Exception {
        Path existing = Files.createDirectory(directory.resolve("existing"));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path database = existing.resolve("tracker");
        try (Database first = Database.open(database, Database.Access.READ_WRITE)) {
            // the file exists now
        }
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(Database.fileOf(database), PosixFilePermissions.fromString("rw-r--r--"));
        try (Database reopened = Database.open(database, Database.Access.READ_WRITE)) {
            assertEquals("rwx------", mode(existing));
            assertEquals("rw-------", mode(Database.fileOf(database)));
        }
    }

    @Test
    void aDirectoryOthersCanWriteIsRefusedForWritingAndReading() throws Exception {
        Path shared = Files.createDirectory(directory.resolve("shared"));
        Path database = shared.resolve("tracker");
        try (Database first = Database.open(database, Database.Access.READ_WRITE)) {
            // a database there, before the directory was opened up
        }
        for (String mode : new String[] {"rwxrwxrwx", "rwxrwxrwt", "rwxrwx---"}) {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString(mode.replace('t', 'x')));
            if (mode.endsWith("t")) {
                // sticky, as /tmp: others still create names there
                Files.setAttribute(shared, "unix:mode", 01777);
            }
            for (Database.Access access : Database.Access.values()) {
                DatabaseUnavailableException refused = assertThrows(DatabaseUnavailableException.class,
                        () -> Database.open(database, access).close());
                assertEquals("database directory " + shared + " is writable by other users ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))
                        + "): use a private directory (mode 0700)", refused.getMessage());
            }
        }
        assertTrue(Files.getPosixFilePermissions(shared).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
                || Files.getPosixFilePermissions(shared).contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE),
                "a refused directory is left as it was");
    }

    @Test
    void aDirectoryOfAnotherUserIsRefusedForWriting() throws Exception {
        Path theirs = Files.createDirectory(directory.resolve("theirs"));
        // only root can give a directory away
        org.junit.jupiter.api.Assumptions.assumeTrue(DatabaseFiles.currentUid() == 0, "needs root");
        Files.setAttribute(theirs, "unix:uid", 65534);
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwxr-xr-x"));
        DatabaseUnavailableException refused = assertThrows(DatabaseUnavailableException.class,
                () -> Database.open(theirs.resolve("tracker"), Database.Access.READ_WRITE).close());
        assertEquals("database directory " + theirs + " belongs to uid 65534, not to this user (uid 0):"
                + " use a directory of your own", refused.getMessage());
        assertEquals("rwxr-xr-x", mode(theirs), "another user's directory is left as it was");
        assertFalse(Files.exists(Database.fileOf(theirs.resolve("tracker"))));
    }

    @Test
    void theCommandsRefuseItWithOneLineAndExit3() throws Exception {
        Path shared = Files.createDirectory(directory.resolve("shared"));
        Path database = shared.resolve("tracker");
        try (Database first = Database.open(database, Database.Access.READ_WRITE)) {
            // a database there, before the directory was opened up
        }
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (String[] args : new String[][] {{"prune", "--db", database.toString(), "--older-than", "1d"},
                {"dump", "--db", database.toString()}}) {
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine commandLine = tracker.cli.TrackerCommand.commandLine();
            commandLine.setErr(new java.io.PrintWriter(err));
            commandLine.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
            assertEquals(3, commandLine.execute(args), err.toString());
            assertEquals("tracker: database directory " + shared + " is writable by other users (rwxrwxrwx): use a"
                    + " private directory (mode 0700)\n", err.toString());
        }
        assertEquals("rwxrwxrwx", mode(shared), "a refused directory is left as it was");
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
