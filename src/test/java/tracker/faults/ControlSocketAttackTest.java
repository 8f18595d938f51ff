package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.LiveModel;
import tracker.testing.WireClient;

/**
 * The attacks on the command socket that used to break a real {@code tracker serve}: a
 * second daemon started inside the first, the heap filled by oversized requests (the ledger
 * died of OutOfMemoryError), a thread held per idle connection, and a CLI that waited
 * forever on a daemon that did not answer. One daemon, in a JVM of its own, takes them all.
 */
@Timeout(120)
class ControlSocketAttackTest {

    private static final Duration ANSWER = Duration.ofSeconds(15);

    @TempDir
    static Path directory;

    private static ChildServe serve;

    @BeforeAll
    static void startDaemon() throws IOException {
        serve = ChildServe.start(List.of(), directory.resolve("tracker.sock"), directory.resolve("db").resolve("tracker"));
    }

    @AfterAll
    static void stopDaemon() {
        if (serve != null) {
            serve.close();
        }
    }

    private static Path control() {
        return ControlSocket.of(serve.database());
    }

    private static void assertDaemonServes() throws IOException {
        try (WireClient client = WireClient.connect(serve.socket())) {
            client.send(WireClient.alloc(5, 0x5000, 4096, 0));
            assertEquals(4096, LiveModel.totalsIn(client.query(5)).dram(), "ingest answers a QUERY");
            client.send(WireClient.free(5, 0x5000));
            client.query(5);
        }
        RawControl.Reply stats = RawControl.run(control(), ANSWER, "stats", "--db=" + serve.database(),
                "--format", "json");
        assertEquals(0, stats.exit(), stats.toString());
        assertFalse(serve.output().contains("OutOfMemoryError"), serve.output());
    }

    @Test
    void serveThroughTheCommandSocketStartsNoSecondDaemon() throws Exception {
        Path socket = directory.resolve("second.sock");
        Path database = directory.resolve("second").resolve("tracker");
        // what `bench/ctl.py run <db>.ctl -- serve --socket X --db Y` sends
        RawControl.Reply reply = RawControl.run(control(), ANSWER, "serve", "--socket", socket.toString(), "--db",
                database.toString());
        assertEquals(2, reply.exit(), reply.toString());
        assertEquals(1, reply.errLines().size(), reply.toString());
        assertFalse(Files.exists(socket), "a second daemon listens on " + socket);
        assertFalse(Files.exists(database.getParent()), "a second daemon made " + database.getParent());
        for (String command : List.of("completion", "nonsense")) {
            RawControl.Reply refused = RawControl.run(control(), ANSWER, command);
            assertEquals(2, refused.exit(), refused.toString());
            assertEquals(1, refused.errLines().size(), refused.toString());
        }
        assertDaemonServes();
    }

    @Test
    void anAtFileArgumentIsNotReadByTheDaemon() throws Exception {
        Path secret = directory.resolve("secret.txt");
        Files.writeString(secret, "only-the-daemons-user-may-read-this\n");
        RawControl.Reply reply = RawControl.run(control(), ANSWER, "stats", "--db=" + serve.database(), "@" + secret);
        assertEquals(2, reply.exit(), reply.toString());
        assertFalse((reply.out() + reply.err()).contains("only-the-daemons"), "the daemon read the file: " + reply);
    }

    /** 115 connections each sending 255 arguments of 64 KiB used to fill the heap and kill the ledger. */
    @Test
    void oversizedRequestsAreRefusedAndTheHeapStaysIntact() throws Exception {
        List<SocketChannel> connections = new ArrayList<>();
        try {
            List<SocketChannel> open = new ArrayList<>();
            for (int i = 0; i < 115; i++) {
                SocketChannel channel = RawControl.connect(control());
                connections.add(channel);
                try {
                    channel.write(ByteBuffer.allocate(4).putInt(255).flip());
                    open.add(channel);
                } catch (IOException e) {
                    // refused (busy) before the count arrived
                }
            }
            byte[] argument = new byte[64 * 1024];
            java.util.Arrays.fill(argument, (byte) 'a');
            long bytesSent = 0;
            for (int arg = 0; arg < 255 && !open.isEmpty(); arg++) {
                for (SocketChannel channel : List.copyOf(open)) {
                    try {
                        ByteBuffer frame = ByteBuffer.allocate(4 + argument.length).putInt(argument.length).put(argument)
                                .flip();
                        while (frame.hasRemaining()) {
                            bytesSent += channel.write(frame);
                        }
                    } catch (IOException e) {
                        open.remove(channel); // refused and closed by the daemon
                    }
                }
            }
            assertTrue(open.isEmpty(), open.size() + " connections could send 255 arguments of 64 KiB");
            assertTrue(bytesSent < 64L * 1024 * 1024, "the daemon took " + bytesSent + " bytes");
        } finally {
            for (SocketChannel channel : connections) {
                channel.close();
            }
        }
        assertDaemonServes();
    }

    /** 2,000 idle connections used to hold 2,000 threads, and a stats issued then waited forever. */
    @Test
    void idleConnectionsHoldNoThreadsAndStatsAnswersMeanwhile() throws Exception {
        int threadsBefore = threadsOf(serve.pid());
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 2000; i++) {
                idle.add(RawControl.connect(control()));
            }
            long started = System.nanoTime();
            RawControl.Reply stats = RawControl.run(control(), Duration.ofSeconds(5), "stats",
                    "--db=" + serve.database(), "--format", "json");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(stats.exit() == 0 || stats.exit() == 3 && stats.err().contains("busy"), stats.toString());
            assertTrue(millis < 5_000, "stats took " + millis + " ms");
            int threads = threadsOf(serve.pid());
            assertTrue(threads - threadsBefore < 20, "threads went from " + threadsBefore + " to " + threads);
            // those still waiting to send a request are dropped after a few seconds; stats answers then
            Await.until(Duration.ofSeconds(20), () -> statsAnswers(), "stats answers while 2,000 idle connections stay open");
        } finally {
            for (SocketChannel channel : idle) {
                channel.close();
            }
        }
        assertDaemonServes();
    }

    @Test
    void aPartialRequestIsDroppedAfterAFewSeconds() throws Exception {
        try (SocketChannel channel = RawControl.connect(control())) {
            channel.write(ByteBuffer.wrap(new byte[] {0, 0}));
            long started = System.nanoTime();
            RawControl.Reply reply = RawControl.read(channel, ANSWER);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(reply.exit() == 2 || reply.exit() == -1, reply.toString());
            assertTrue(millis >= 3_000 && millis < 10_000, "dropped after " + millis + " ms");
        }
    }

    /** A stopped daemon accepts (the kernel does) and never answers: the CLI gives up with one line. */
    @Test
    void theCliGivesUpOnAStoppedDaemonWithinItsTimeout() throws Exception {
        signal("STOP");
        try {
            ProcessBuilder command = new ProcessBuilder(ChildServe.java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    "-cp", ChildServe.classpath(), "tracker.cli.Main", "stats", "--db", serve.database().toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            command.environment().put("TRACKER_TIMEOUT", "1s");
            Process cli = command.start();
            boolean finished = cli.waitFor(60, TimeUnit.SECONDS);
            if (!finished) {
                cli.destroyForcibly();
            }
            assertTrue(finished, "tracker stats waited on the stopped daemon for a minute");
            String err = new String(cli.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(3, cli.exitValue(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.contains("did not answer within 1 s"), err);
        } finally {
            signal("CONT");
        }
        assertDaemonServes();
    }

    private static boolean statsAnswers() {
        try {
            return RawControl.run(control(), ANSWER, "stats", "--db=" + serve.database()).exit() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Integer.toString(serve.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    private static int threadsOf(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new AssertionError("no thread count for pid " + pid);
    }
}
