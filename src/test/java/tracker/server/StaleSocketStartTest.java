package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.Database;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * A socket file left by a daemon killed with -9: the next start removes it before anything
 * else, and its own socket file appears only once it accepts, so a client that connects as soon
 * as the file is there is never refused.
 */
class StaleSocketStartTest {

    @TempDir
    Path directory;

    /** What a daemon killed with -9 leaves: a socket file with nobody listening. */
    private static void leaveStaleSocket(Path socket) throws IOException {
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
    }

    @Test
    void aClientConnectingAsSoonAsTheFileAppearsIsNeverRefused() throws Exception {
        Path socket = directory.resolve("tracker.sock");
        leaveStaleSocket(socket);
        CompletableFuture<TestDaemon> started = CompletableFuture.supplyAsync(() -> {
            try {
                return TestDaemon.start(directory);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // as `until [ -S sock ]` would, once the stale file is gone (or the start already done)
        while (Files.exists(socket) && !started.isDone()) {
            Thread.onSpinWait();
        }
        List<String> refused = new CopyOnWriteArrayList<>();
        int connected = 0;
        while (connected == 0) {
            if (Files.exists(socket)) {
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    connected++;
                } catch (IOException e) {
                    refused.add(e.getMessage());
                }
            }
            assertFalse(started.isCompletedExceptionally(), "the start failed");
        }
        try (TestDaemon daemon = started.get(60, TimeUnit.SECONDS)) {
            assertEquals(List.of(), refused, "clients refused after the file appeared");
            // still accepting once the name it was bound under is all there is to see
            try (tracker.testing.WireClient client = tracker.testing.WireClient.connect(socket)) {
                client.send(tracker.testing.WireClient.alloc(0, 0x1000, 4096, 0));
                client.query(0);
            }
        }
        assertFalse(Files.exists(socket), "a clean stop removes its socket file");
        try (var files = Files.list(directory)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".tracker.sock")).toList());
        }
    }

    @Test
    void aStartThatFailsOnItsDatabaseHasRemovedTheStaleSocketAndLeavesNoneOfItsOwn() throws Exception {
        ServerConfig config = TestDaemon.config(directory, WireVersion.V3);
        leaveStaleSocket(config.socket());
        Files.createDirectories(config.database().getParent());
        Files.writeString(Database.fileOf(config.database()), "not a database, and not empty");
        assertThrows(Exception.class, () -> TestDaemon.start(config));
        assertFalse(Files.exists(config.socket()), "the stale socket stayed, or the failed start left one");
        try (var files = Files.list(directory)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".tracker.sock")).toList());
        }
    }
}
