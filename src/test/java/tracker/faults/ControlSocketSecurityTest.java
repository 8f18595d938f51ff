package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ControlServer;
import tracker.server.ServerConfig;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * Who may do what through the command socket: it has the ingest socket's group and mode
 * (never others' bits), so members of --socket-group can run queries; commands that change
 * records (reap, prune) run only for the daemon's own user and root, as the kernel reports
 * the peer. The other user is a real process of uid 65534 (see {@link OtherUserCommand}).
 */
class ControlSocketSecurityTest {

    @TempDir
    Path directory;

    private final List<String> ran = new CopyOnWriteArrayList<>();

    /** Stands in for the commands: records which ran and says "ok". */
    private ControlServer.Handler recording() {
        return (args, out, err) -> {
            ran.add(args[0]);
            out.println("ok");
            return 0;
        };
    }

    private TestDaemon start(String mode, String group) throws Exception {
        ServerConfig base = TestDaemon.config(directory, WireVersion.V3);
        ServerConfig config = new ServerConfig(base.socket(), base.wire(), base.database(), base.commitIntervalMs(),
                base.reapIntervalMs(), PosixFilePermissions.fromString(mode), group, base.deviceInfo(),
                base.retentionMs(), base.pruneIntervalMs(), base.verbose());
        TestDaemon daemon = TestDaemon.start(config);
        daemon.daemon().startControlSocket(recording());
        // the test's own directory must not be what keeps the other user out
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        return daemon;
    }

    private static PosixFileAttributes attributes(Path file) throws Exception {
        return Files.readAttributes(file, PosixFileAttributes.class);
    }

    @Test
    void membersOfTheSocketGroupMayQueryButNotChangeRecords() throws Exception {
        OtherUserClient.assumePossible();
        try (TestDaemon daemon = start("rw-rw----", OtherUserCommand.GROUP)) {
            Path control = ControlSocket.of(daemon.database());
            assertEquals(OtherUserCommand.GROUP, attributes(control).group().getName(), "group of " + control);
            assertEquals("rw-rw----", PosixFilePermissions.toString(attributes(control).permissions()));
            // the database's directory lets the group pass to the command socket, no more
            Path databaseDirectory = daemon.database().getParent();
            assertEquals(OtherUserCommand.GROUP, attributes(databaseDirectory).group().getName());
            assertEquals("rwx--x---", PosixFilePermissions.toString(attributes(databaseDirectory).permissions()));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    attributes(tracker.store.Database.fileOf(daemon.database())).permissions()));

            OtherUserCommand.Result stats = OtherUserCommand.run(control, "stats");
            assertEquals(new OtherUserCommand.Result("EXIT 0", "ok", ""), stats);
            for (String changing : List.of("reap", "prune")) {
                OtherUserCommand.Result refused = OtherUserCommand.run(control, changing, "--older-than", "1d");
                assertEquals("EXIT 3", refused.status(), refused.toString());
                assertEquals(1, refused.err().lines().count(), refused.toString());
                assertTrue(refused.err().contains("only the daemon's user"), refused.toString());
            }
            assertEquals(List.of("stats"), ran, "what ran for uid " + OtherUserClient.NOBODY);

            // the daemon's own user (this JVM, root) may change records
            RawControl.Reply reap = RawControl.run(control, Duration.ofSeconds(10), "reap");
            assertEquals(new RawControl.Reply(0, "ok\n", ""), reap);
        }
    }

    @Test
    void withoutTheGroupAnotherUserCannotReachTheCommandSocket() throws Exception {
        OtherUserClient.assumePossible();
        // others may reach the ingest socket; the command socket never gives others any bit
        try (TestDaemon daemon = start("rw-rw-rw-", null)) {
            // only the socket's own mode may keep the other user out here
            Files.setPosixFilePermissions(daemon.database().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Path control = ControlSocket.of(daemon.database());
            assertEquals("rw-rw----", PosixFilePermissions.toString(attributes(control).permissions()));
            assertEquals("ERR EACCES", OtherUserCommand.run(control, "stats").status());
            assertEquals(List.of(), ran);
        }
    }
}
