package tracker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tracker.faults.HostileInput.Bounds;
import tracker.faults.HostileInput.Piece;
import tracker.faults.HostileInput.Stream;
import tracker.testing.Await;
import tracker.testing.DaemonOutput;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.DeviceTotals;
import tracker.wire.Frame;

/**
 * Random frames and random byte streams (garbage, cut frames, unknown types, absurd devices
 * and sizes, frames of the wrong length) from several hostile connections at once, through the
 * real socket of one daemon, while well-behaved clients work on their own connections. After
 * every try: the daemon still serves, the well-behaved clients' live sets are exactly what
 * they sent (in QUERY replies and in the database), and the malformed count is what the
 * hostile streams deserve.
 */
class HostileStreamFuzzTest {

    static final int GOOD_CLIENTS = 3;
    static final int FIRST_GOOD_DEVICE = HostileInput.HOSTILE_DEVICES;
    static final long TIMEOUT_S = 60;

    private static Path directory;
    private static TestDaemon daemon;
    private static ExecutorService pool;
    private static long tries;
    private static long hostileBytes;

    @BeforeContainer
    static void startDaemon() throws IOException {
        directory = Files.createTempDirectory("tracker-fuzz");
        daemon = TestDaemon.start(directory);
        pool = Executors.newCachedThreadPool();
    }

    @AfterContainer
    static void stopDaemon() throws IOException {
        pool.shutdownNow();
        daemon.close();
        System.out.println("fuzz: " + tries + " tries, " + hostileBytes + " hostile bytes, "
                + daemon.daemon().metrics().malformedFrames() + " malformed frames counted");
        try (java.util.stream.Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<List<Stream>> hostile() {
        // the first connection always opens with a bad frame and waits for the daemon to read it: every try
        // has something to count
        return Combinators.combine(HostileInput.badFrames(), HostileInput.streams().list().ofMinSize(2).ofMaxSize(5))
                .as((bad, streams) -> {
                    List<Stream> out = new ArrayList<>(streams);
                    List<Piece> first = new ArrayList<>();
                    first.add(bad);
                    first.addAll(streams.get(0).pieces());
                    out.set(0, new Stream(first, streams.get(0).writeSeed(), false));
                    return out;
                });
    }

    @Property(tries = 50, shrinking = ShrinkingMode.OFF)
    void hostileConnectionsNeitherStopTheDaemonNorDisturbWellBehavedClients(
            @ForAll("hostile") List<Stream> hostile, @ForAll long goodSeed) throws Exception {
        tries++;
        long before = daemon.daemon().metrics().malformedFrames();
        int outputBefore = daemon.output().length();
        Bounds deserved = hostile.stream().map(Stream::malformed).reduce(new Bounds(0, 0), Bounds::plus);
        List<LiveModel> models = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        for (Stream stream : hostile) {
            hostileBytes += stream.bytes().length;
            tasks.add(pool.submit(() -> {
                start.await();
                sendHostile(stream);
                return null;
            }));
        }
        for (int g = 0; g < GOOD_CLIENTS; g++) {
            LiveModel model = new LiveModel();
            models.add(model);
            int client = g;
            tasks.add(pool.submit(() -> {
                start.await();
                runWellBehaved(client, goodSeed, model);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> task : tasks) {
            awaitTask(task);
        }
        // the daemon is done with a connection once it has closed it (a vanished client does not wait for that)
        Await.until(Duration.ofSeconds(TIMEOUT_S), () -> daemon.daemon().metrics().connectionsOpen() == 0,
                () -> daemon.daemon().metrics().connectionsOpen() + " connections still open");

        long counted = daemon.daemon().metrics().malformedFrames() - before;
        assertTrue(counted >= deserved.min() && counted <= deserved.max(), "malformed frames counted: " + counted
                + ", deserved between " + deserved.min() + " and " + deserved.max() + " for " + hostile);
        long logged = DaemonOutput.since(daemon, outputBefore).lines()
                .filter(l -> l.contains("malformed frame on connection")).count();
        assertTrue(logged >= 1 && logged <= hostile.size(), "malformed input is logged once per connection, with"
                + " context: " + logged + " lines for " + hostile.size() + " hostile connections");

        // a new connection is served and sees exactly what the well-behaved clients left
        try (WireClient observer = WireClient.connect(daemon.socket())) {
            for (int g = 0; g < GOOD_CLIENTS; g++) {
                assertEquals(models.get(g).totals(FIRST_GOOD_DEVICE + g),
                        LiveModel.totalsIn(observer.query(FIRST_GOOD_DEVICE + g)), "QUERY of device " + (FIRST_GOOD_DEVICE + g));
            }
            daemon.flush();
            Set<Row> expected = new HashSet<>();
            models.forEach(m -> expected.addAll(m.rows()));
            Set<Row> committed = committedRowsOfWellBehavedClients();
            assertEquals(expected, committed, "committed live set of the well-behaved clients");
            assertEquals(daemon.daemon().metrics().malformedFrames(), LiveRows.counter(daemon, "malformed_frames"),
                    "malformed_frames committed");

            // they free everything: the next try starts from nothing
            for (int g = 0; g < GOOD_CLIENTS; g++) {
                LiveModel model = models.get(g);
                List<Frame> releases = Scripts.releaseAll(model.rows());
                model.applyAll(releases);
                observer.send(releases.toArray(Frame[]::new));
                assertEquals(new DeviceTotals(0, 0, 0, 0, 0, 0),
                        LiveModel.totalsIn(observer.query(FIRST_GOOD_DEVICE + g)), "device emptied");
            }
        }
    }

    private static Set<Row> committedRowsOfWellBehavedClients() {
        return new HashSet<>(daemon.daemon().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT kind, device_id, buffer_id, type, size, ref_count FROM allocations WHERE device_id >= ?")
                .bind(0, FIRST_GOOD_DEVICE)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                        rs.getInt(6)))
                .list()));
    }

    private static void awaitTask(Future<?> task) throws Exception {
        try {
            task.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failure) {
                throw failure;
            }
            throw e;
        }
    }

    /**
     * Writes the stream in writes of random sizes while a reader drains whatever the daemon
     * answers; then either ends its output and returns once the daemon has closed the
     * connection (that is, once it has dealt with every byte or dropped the connection), or,
     * for an abrupt stream, closes at once.
     */
    private static void sendHostile(Stream stream) throws Exception {
        byte[] bytes = stream.bytes();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(daemon.socket()));
            Future<?> reader = pool.submit(() -> drain(channel));
            Random random = new Random(stream.writeSeed());
            try {
                int at = 0;
                while (at < bytes.length) {
                    int length = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 200 : 4000));
                    int end = (at + length) % HostileInput.FRAME;
                    if ((end == 72 || end == 112) && at + length < bytes.length) {
                        // a write never stops where a shorter frame would end: the daemon takes a lone
                        // 72- or 112-byte request that stays unanswered for a second for a legacy client
                        length++;
                    }
                    ByteBuffer chunk = ByteBuffer.wrap(bytes, at, length);
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                    at += length;
                }
                if (stream.abrupt()) {
                    return;
                }
                channel.shutdownOutput();
            } catch (IOException dropped) {
                // the daemon dropped this connection: what it had read is all it gets
            }
            reader.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    private static Void drain(SocketChannel channel) {
        ByteBuffer sink = ByteBuffer.allocate(8192);
        try {
            while (channel.read(sink) >= 0) {
                sink.clear();
            }
        } catch (IOException e) {
            // reset by the daemon
        }
        return null;
    }

    /**
     * A client that follows the protocol on a device of its own, with buffer ids of its own
     * (see {@link Scripts#mixed}), in writes of random sizes, checking QUERY replies against
     * its model along the way.
     */
    private static void runWellBehaved(int g, long seed, LiveModel model) throws IOException {
        int device = FIRST_GOOD_DEVICE + g;
        Random random = new Random(seed * 31 + g);
        List<Frame> script = Scripts.mixed(device, 0x6000_0000_0000L | ((long) g << 40), random,
                100 + random.nextInt(400));
        try (WireClient client = WireClient.connect(daemon.socket())) {
            int at = 0;
            while (at < script.size()) {
                List<Frame> write = script.subList(at, Math.min(script.size(), at + 1 + random.nextInt(64)));
                client.send(write.toArray(Frame[]::new));
                model.applyAll(write);
                at += write.size();
                if (random.nextInt(8) == 0 || at == script.size()) {
                    assertEquals(model.totals(device), LiveModel.totalsIn(client.query(device)),
                            "QUERY of device " + device + " amid the hostile traffic, after " + at + " frames");
                }
            }
        }
    }
}
