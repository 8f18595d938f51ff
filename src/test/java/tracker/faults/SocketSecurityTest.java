package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.testing.ConfigVariants;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * Nobody else's business: another user cannot reach a private socket, cannot free what this
 * user's processes hold even where the socket lets it in, and nothing listens on TCP.
 */
class SocketSecurityTest {

    static final int DEVICE = 2;
    static final long BUFFER = 0x7000;
    static final long SIZE = 8192;

    @TempDir
    Path directory;

    private ServerConfig config(String mode) throws Exception {
        // the directories must not be what keeps the other user out: only the socket's mode may
        Path home = directory.resolve("mode-" + mode);
        Files.createDirectories(home);
        for (Path dir : List.of(directory, home)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return ConfigVariants.withSocketMode(TestDaemon.config(home, WireVersion.V3),
                PosixFilePermissions.fromString(mode));
    }

    private static String line(List<String> output, String prefix) {
        return output.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in the client's output " + output));
    }

    @Test
    void anotherUserCannotConnectToASocketOfMode0600() throws Exception {
        OtherUserClient.assumePossible();
        try (TestDaemon daemon = TestDaemon.start(config("rw-------"))) {
            List<String> output = OtherUserClient.run(daemon.socket(), new byte[0], true, 0);
            assertEquals(List.of("ERR EACCES"), output, "uid " + OtherUserClient.NOBODY + " connecting to a 0600 socket");
            assertEquals(0, daemon.daemon().metrics().connectionsAccepted(), "no connection reached the daemon");
            try (WireClient own = WireClient.connect(daemon.socket())) {
                own.send(WireClient.alloc(0, 0x10, 64, 0));
                assertEquals(64, LiveModel.totalsIn(own.query(0)).dram(), "the owner is served");
            }
        }
        // the same client gets in when the mode lets it: the refusal above was the socket's mode
        try (TestDaemon daemon = TestDaemon.start(config("rw-rw-rw-"))) {
            List<String> output = OtherUserClient.run(daemon.socket(), new byte[0], true, 0);
            assertTrue(line(output, "CONNECTED").endsWith(" " + OtherUserClient.NOBODY), output.toString());
            assertEquals("REPLY 0", line(output, "REPLY"));
        }
    }

    @Test
    void anotherUsersFreeOfThisUsersBufferIsRefusedAndCounted() throws Exception {
        OtherUserClient.assumePossible();
        try (TestDaemon daemon = TestDaemon.start(config("rw-rw-rw-"));
             WireClient owner = WireClient.connect(daemon.socket())) {
            owner.send(WireClient.alloc(DEVICE, BUFFER, SIZE, 0));
            assertEquals(SIZE, LiveModel.totalsIn(owner.query(DEVICE)).dram());

            // the other user's process reports its own pid, as an honest client does
            List<String> output = OtherUserClient.run(daemon.socket(), freeFrame(), true, DEVICE);
            assertTrue(line(output, "CONNECTED").endsWith(" " + OtherUserClient.NOBODY), output.toString());
            assertEquals("REPLY " + SIZE, line(output, "REPLY"), "the buffer is still counted after the refused FREE");

            assertEquals(SIZE, LiveModel.totalsIn(owner.query(DEVICE)).dram());
            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", DEVICE, BUFFER, "DRAM", SIZE, 1)), LiveRows.set(daemon));
            assertEquals(1, LiveRows.counter(daemon, "refused_frees"), "the refused FREE is counted");
            assertEquals(0, LiveRows.counter(daemon, "unknown_frees"));
        }
    }

    /**
     * A process of another user that writes the owner's pid into process_id (any client can
     * write any number there) is still a process of another user: SO_PEERCRED says so.
     */
    @Test
    void anotherUsersFreeIsRefusedEvenWhenItWritesTheOwnersPid() throws Exception {
        OtherUserClient.assumePossible();
        try (TestDaemon daemon = TestDaemon.start(config("rw-rw-rw-"));
             WireClient owner = WireClient.connect(daemon.socket())) {
            owner.send(WireClient.alloc(DEVICE, BUFFER, SIZE, 0));
            assertEquals(SIZE, LiveModel.totalsIn(owner.query(DEVICE)).dram());

            List<String> output = OtherUserClient.run(daemon.socket(), freeFrame(), false, DEVICE);
            assertTrue(line(output, "CONNECTED").endsWith(" " + OtherUserClient.NOBODY), output.toString());
            assertEquals("REPLY " + SIZE, line(output, "REPLY"),
                    "a process of uid " + OtherUserClient.NOBODY + " freed a buffer of uid 0 by writing its owner's pid");

            daemon.flush();
            assertEquals(Set.of(new Row("BUFFER", DEVICE, BUFFER, "DRAM", SIZE, 1)), LiveRows.set(daemon));
            assertEquals(1, LiveRows.counter(daemon, "refused_frees"));
        }
    }

    /** FREE of this JVM's buffer; the pid is this JVM's unless the client patches its own in. */
    private static byte[] freeFrame() {
        return FrameCodec.encodeRequest(WireVersion.V3,
                new Frame(MessageType.FREE.code(), DEVICE, 0, 0, WireClient.SELF_PID, BUFFER, 0));
    }

    @Test
    void nothingListensOnTcpWhileTheDaemonAndItsCommandSocketRun() throws Exception {
        long self = ProcessHandle.current().pid();
        Set<String> before = TcpListeners.of(self);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket((args, out, err) -> 0);
            try (WireClient client = WireClient.connect(daemon.socket())) {
                client.send(WireClient.alloc(0, 0x10, 64, 0));
                client.query(0);
            }
            daemon.flush();
            assertTrue(Files.exists(ControlSocket.of(daemon.database())), "the command socket is up");
            Set<String> during = TcpListeners.of(self);
            during.removeAll(before);
            assertEquals(Set.of(), during, "TCP sockets this JVM started listening on with the daemon");
        }
    }
}
