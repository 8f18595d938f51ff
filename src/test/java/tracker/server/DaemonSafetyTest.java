package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.ChildJvmDaemon;
import tracker.testing.ConfigVariants;
import tracker.testing.LiveModel;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.WireVersion;

/** A daemon never steals a live socket or a database in use, and keeps its files private. */
class DaemonSafetyTest {

    @TempDir
    Path directory;

    static void assertServes(TestDaemon daemon) throws Exception {
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(0, 0x10, 64, 0));
            assertEquals(64, LiveModel.totalsIn(client.query(0)).dram());
        }
    }

    @Test
    void secondDaemonOnALiveSocketRefusesToStart() throws Exception {
        try (TestDaemon first = TestDaemon.start(directory.resolve("a"))) {
            ServerConfig second = ConfigVariants.withSocket(TestDaemon.config(directory.resolve("b"), WireVersion.V3),
                    first.socket());
            SocketInUseException refused = assertThrows(SocketInUseException.class, () -> TestDaemon.start(second));
            assertTrue(refused.getMessage().contains(first.socket().toString()), refused.getMessage());
            assertTrue(Files.exists(first.socket(), LinkOption.NOFOLLOW_LINKS), "the live socket was left in place");
            assertServes(first);
        }
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        Path socket = TestDaemon.config(directory, WireVersion.V3).socket();
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "a stale socket file to replace");
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            assertServes(daemon);
        }
    }

    @Test
    void socketFileModeIs0660ByDefault() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(daemon.socket(), LinkOption.NOFOLLOW_LINKS)));
        }
    }

    @Test
    void socketFileTakesTheConfiguredMode() throws Exception {
        ServerConfig config = ConfigVariants.withSocketMode(TestDaemon.config(directory, WireVersion.V3),
                PosixFilePermissions.fromString("rw-------"));
        try (TestDaemon daemon = TestDaemon.start(config)) {
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(daemon.socket(), LinkOption.NOFOLLOW_LINKS)));
            assertServes(daemon);
        }
    }

    @Test
    void databaseDirectoryIsPrivateToItsOwner() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(daemon.database().getParent())));
        }
    }

    @Test
    void secondDaemonOnTheSameDatabaseRefusesSayingItIsInUse() throws Exception {
        try (TestDaemon first = TestDaemon.start(directory)) {
            assertServes(first);
            String answer = ChildJvmDaemon.run(directory.resolve("other.sock"), first.database());
            assertTrue(answer.startsWith("REFUSED tracker.store.DatabaseUnavailableException: "), answer);
            assertTrue(answer.contains("in use"), answer);
            assertServes(first);
        }
    }

    @Test
    void regularFileAtTheSocketPathIsNeitherDeletedNorReplaced() throws Exception {
        Path socket = TestDaemon.config(directory, WireVersion.V3).socket();
        Files.writeString(socket, "somebody's data\n");
        assertThrows(Exception.class, () -> TestDaemon.start(directory).close(),
                "a daemon must not take a path that holds a regular file");
        assertTrue(Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS), "the file is still there");
        assertEquals("somebody's data\n", Files.readString(socket));
    }
}
