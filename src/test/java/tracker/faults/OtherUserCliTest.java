package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.store.Database;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * A user who may not open the database or the daemon's command socket is told "permission
 * denied", naming which, in one line, exit 3: not "no database" for a file that is there, nor
 * "in use". The user is a real process of uid 65534 running the tracker command line.
 */
class OtherUserCliTest {

    @TempDir
    Path directory;

    private static void assertDenied(OtherUserCli.Result result, Path named) {
        String all = "exit " + result.exit() + "\nout:\n" + result.out() + "err:\n" + result.err();
        assertEquals(3, result.exit(), all);
        assertEquals(1, result.err().lines().count(), all);
        assertTrue(result.err().startsWith("tracker: permission denied: "), all);
        assertTrue(result.err().contains(named.toString()), all);
        assertFalse(result.err().contains("Exception"), all);
    }

    @Test
    void aDatabaseInADirectoryClosedToTheUserIsPermissionDenied() throws Exception {
        OtherUserClient.assumePossible();
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path database = directory.resolve("db").resolve("tracker");
        Database.open(database, Database.Access.READ_WRITE).close(); // its directory is made private (0700)
        assertDenied(OtherUserCli.run("dump", "--db", database.toString()), Database.fileOf(database));
    }

    @Test
    void aDatabaseFileClosedToTheUserIsPermissionDenied() throws Exception {
        OtherUserClient.assumePossible();
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path database = directory.resolve("db").resolve("tracker");
        Database.open(database, Database.Access.READ_WRITE).close();
        // the directory open, the file still private (0600)
        Files.setPosixFilePermissions(database.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertDenied(OtherUserCli.run("audit", "--db", database.toString()), Database.fileOf(database));
    }

    @Test
    void aCommandSocketClosedToTheUserIsPermissionDenied() throws Exception {
        OtherUserClient.assumePossible();
        try (TestDaemon daemon = TestDaemon.start(TestDaemon.config(directory, WireVersion.V3))) {
            tracker.server.ControlServer.Handler answer = (args, out, err) -> 0;
            daemon.daemon().startControlSocket(answer);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            // the way to the socket open, the socket itself not: only the daemon's user may connect
            Files.setPosixFilePermissions(daemon.database().getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            Path control = ServerConfig.controlSocketOf(daemon.database());
            assertDenied(OtherUserCli.run("stats", "--db", daemon.database().toString()), control);
        }
    }
}
