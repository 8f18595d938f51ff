package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ControlLimits;
import tracker.server.ControlServer;
import tracker.testing.Await;
import tracker.testing.LiveModel;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * A command over one of the command socket's limits fails alone, with one line and exit
 * code 3, and the daemon goes on: ingest answers and the next command runs. The commands
 * here are stand-ins that misbehave on purpose (silent forever, endless output, out of
 * memory); the limits are the daemon's, shortened so that the tests reach them quickly.
 */
@Timeout(60)
class ControlSocketLimitsTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch returned = new CountDownLatch(1);

    private Path control(TestDaemon daemon) {
        return ControlSocket.of(daemon.database());
    }

    /** A command that says "ok" and exits 0, except {@code stats --hold}, which waits for {@link #release}. */
    private ControlServer.Handler standIn() {
        return (args, out, err) -> {
            calls.incrementAndGet();
            if (args.length > 1 && args[1].equals("--hold")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    returned.countDown();
                }
            }
            out.println("ok");
            return 0;
        };
    }

    private static void assertIngestAnswers(TestDaemon daemon) throws Exception {
        try (WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(1, 0x40, 4096, 0));
            assertEquals(4096, LiveModel.totalsIn(client.query(1)).dram(), "ingest answers a QUERY");
        }
    }

    private static void assertFailedAlone(RawControl.Reply reply, String why) {
        assertEquals(3, reply.exit(), reply.toString());
        assertEquals(1, reply.errLines().size(), reply.toString());
        assertTrue(reply.err().contains(why), reply.toString());
    }

    @Test
    void onlyQueryCommandsAreRunAndTheRestIsRefusedWithOneLine() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket(standIn());
            List<List<String>> refused = List.of(List.of("serve", "--socket", directory.resolve("x").toString()),
                    List.of("completion"), List.of("stats", "--help"), List.of("sql", "-h"), List.of("dump", "-V"),
                    List.of("ps", "--version"), List.of("nonsense"), List.of(), List.of("--help"), List.of("Stats"));
            for (List<String> args : refused) {
                RawControl.Reply reply = RawControl.run(control(daemon), ANSWER, args.toArray(String[]::new));
                assertEquals(2, reply.exit(), args + " -> " + reply);
                assertEquals(1, reply.errLines().size(), args + " -> " + reply);
            }
            assertEquals(0, calls.get(), "a refused command reached the command line");
            for (String command : List.of("dump", "history", "audit", "leaks", "stats", "ps", "sql", "reap", "prune")) {
                RawControl.Reply reply = RawControl.run(control(daemon), ANSWER, command);
                assertEquals(new RawControl.Reply(0, "ok\n", ""), reply, command);
            }
        }
    }

    @Test
    void aRequestOverTheSizeLimitIsRefusedAtOnce() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket(standIn());
            ControlLimits limits = ControlLimits.DEFAULT;
            String[] tooMany = Collections.nCopies(limits.maxArgs() + 1, "x").toArray(String[]::new);
            tooMany[0] = "stats";
            String[] tooLong = {"sql", "x".repeat(limits.maxRequestBytes())};
            for (String[] args : List.of(tooMany, tooLong)) {
                RawControl.Reply reply = RawControl.run(control(daemon), ANSWER, args);
                assertEquals(2, reply.exit(), reply.toString());
                assertTrue(reply.err().contains("too long"), reply.toString());
            }
            // a count announced far beyond the limit is refused on its first four bytes
            try (SocketChannel channel = RawControl.connect(control(daemon))) {
                channel.write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip());
                assertEquals(2, RawControl.read(channel, ANSWER).exit());
            }
            assertEquals(0, calls.get());
            assertEquals(0, RawControl.run(control(daemon), ANSWER, "stats").exit());
        }
    }

    @Test
    void aSilentCommandPastItsTimeFailsAloneAndTheNextRuns() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket(standIn(),
                    ControlLimits.DEFAULT.withCommand(Duration.ofMillis(500), 1 << 20));
            long started = System.nanoTime();
            RawControl.Reply reply = RawControl.run(control(daemon), ANSWER, "stats", "--hold");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertFailedAlone(reply, "ran longer than the daemon allows");
            assertTrue(millis >= 400 && millis < 5_000, "answered after " + millis + " ms");
            assertIngestAnswers(daemon);
            release.countDown();
            assertTrue(returned.await(10, TimeUnit.SECONDS));
            assertEquals(0, RawControl.run(control(daemon), ANSWER, "stats").exit(), "the next command runs");
        }
    }

    @Test
    void aCommandWhoseClientStopsReadingEndsAtItsDeadline() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket((args, out, err) -> {
                try {
                    String line = "x".repeat(1000);
                    while (true) {
                        out.println(line); // throws once the deadline has passed
                    }
                } finally {
                    ended.countDown();
                }
            }, ControlLimits.DEFAULT.withCommand(Duration.ofMillis(500), Long.MAX_VALUE));
            try (SocketChannel channel = RawControl.connect(control(daemon))) {
                channel.write(ByteBuffer.wrap(RawControl.request("dump")));
                // never read: the daemon's writes block on a full socket
                assertTrue(ended.await(10, TimeUnit.SECONDS), "the command's output did not fail at its deadline");
            }
            assertIngestAnswers(daemon);
        }
    }

    @Test
    void anAnswerOverTheSizeLimitFailsTheCommand() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket((args, out, err) -> {
                String line = "y".repeat(1023);
                for (int i = 0; i < 4096; i++) {
                    out.println(line);
                }
                return 0;
            }, ControlLimits.DEFAULT.withCommand(Duration.ofSeconds(30), 1 << 20));
            RawControl.Reply reply = RawControl.run(control(daemon), ANSWER, "dump");
            assertFailedAlone(reply, "larger than the daemon sends");
            assertTrue(reply.out().length() <= 1 << 20, "sent " + reply.out().length() + " bytes");
        }
    }

    @Test
    void anOutOfMemoryErrorOrAnyErrorInACommandFailsThatCommandOnly() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket((args, out, err) -> {
                switch (args[0]) {
                    case "sql" -> throw new OutOfMemoryError("Java heap space");
                    case "history" -> throw new StackOverflowError();
                    case "leaks" -> throw new IllegalStateException("broken");
                    default -> {
                        out.println("ok");
                        return 0;
                    }
                }
            }, ControlLimits.DEFAULT.withCommandThreads(1));
            assertFailedAlone(RawControl.run(control(daemon), ANSWER, "sql"), "ran out of memory");
            assertFailedAlone(RawControl.run(control(daemon), ANSWER, "history"), "StackOverflowError");
            assertFailedAlone(RawControl.run(control(daemon), ANSWER, "leaks"), "broken");
            // the single command thread survived all three
            assertEquals(new RawControl.Reply(0, "ok\n", ""), RawControl.run(control(daemon), ANSWER, "stats"));
            assertIngestAnswers(daemon);
            assertTrue(!daemon.output().contains("Exception in thread"), daemon.output());
        }
    }

    @Test
    void beyondTheCommandThreadsAClientIsToldBusyAtOnce() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            daemon.daemon().startControlSocket(standIn(), ControlLimits.DEFAULT.withCommandThreads(1));
            try (SocketChannel holder = RawControl.connect(control(daemon))) {
                holder.write(ByteBuffer.wrap(RawControl.request("stats", "--hold")));
                Await.until("the first command runs", () -> calls.get() == 1);
                int threadsBefore = commandThreads();
                long started = System.nanoTime();
                RawControl.Reply busy = RawControl.run(control(daemon), ANSWER, "stats");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertFailedAlone(busy, "busy");
                assertTrue(millis < 2_000, "busy took " + millis + " ms");
                assertEquals(threadsBefore, commandThreads(), "a thread was made for the refused command");
                release.countDown();
                assertEquals(new RawControl.Reply(0, "ok\n", ""), RawControl.read(holder, ANSWER));
            }
            Await.until("the command thread is free", () -> {
                try {
                    return RawControl.run(control(daemon), ANSWER, "stats").exit() == 0;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    private static int commandThreads() {
        List<String> names = new ArrayList<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return (int) names.stream().filter(n -> n.startsWith("tracker-command")).count();
    }
}
