package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's side of the command socket never waits forever, and never cuts an answer that keeps coming. */
@Timeout(30)
class DaemonClientTimeoutTest {

    @TempDir
    Path directory;

    @Test
    void aSocketThatAcceptsAndNeverAnswersGivesExit3AndOneLineWithinTheTimeout() throws Exception {
        Path socket = directory.resolve("silent.ctl");
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(socket));
            java.util.concurrent.CompletableFuture<SocketChannel> accepted = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return silent.accept(); // and then nothing
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long started = System.nanoTime();
            OptionalInt exit = DaemonClient.run(socket, new String[] {"stats"}, out, err, Duration.ofMillis(500));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            accepted.get(10, TimeUnit.SECONDS).close();
            assertEquals(OptionalInt.of(ExitCode.UNAVAILABLE), exit);
            String text = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, text.lines().count(), text);
            assertTrue(text.contains("did not answer within 500 ms"), text);
            assertTrue(millis >= 450 && millis < 5_000, "gave up after " + millis + " ms");
        }
    }

    @Test
    void aSlowStreamingAnswerIsNotCut() throws Exception {
        Path socket = directory.resolve("slow.ctl");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread daemon = new Thread(() -> {
                try (SocketChannel client = server.accept()) {
                    // one byte of output every 100 ms for 1.5 s: three times the timeout in all
                    for (int i = 0; i < 15; i++) {
                        client.write(ByteBuffer.allocate(6).put((byte) 1).putInt(1).put((byte) 'x').flip());
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    client.write(ByteBuffer.allocate(5).put((byte) 0).putInt(0).flip());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            daemon.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            OptionalInt exit = DaemonClient.run(socket, new String[] {"dump"}, out, err, Duration.ofMillis(500));
            daemon.join();
            assertEquals(OptionalInt.of(0), exit, err.toString(StandardCharsets.UTF_8));
            assertEquals("x".repeat(15), out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void trackerTimeoutIsADuration() {
        assertEquals(DaemonClient.DEFAULT_TIMEOUT, Main.timeout(null));
        assertEquals(DaemonClient.DEFAULT_TIMEOUT, Main.timeout(""));
        assertEquals(Duration.ofMillis(500), Main.timeout("500ms"));
        assertEquals(Duration.ofSeconds(30), Main.timeout("30s"));
        assertThrows(IllegalArgumentException.class, () -> Main.timeout("soon"));
        assertThrows(IllegalArgumentException.class, () -> Main.timeout("0s"));
    }
}
