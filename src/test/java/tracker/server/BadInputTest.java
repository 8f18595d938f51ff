package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tracker.testing.Await;
import tracker.testing.DaemonOutput;
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
 * Malformed input is skipped, counted and logged once per connection; the connection is closed
 * only when its stream cannot be trusted; every other client carries on.
 */
class BadInputTest {

    static final int PID = WireClient.SELF_PID;
    static final int DEVICE = 3;
    static final long TIB = 1L << 40;

    @TempDir
    Path directory;

    static Frame alloc(int device, long bufferId, long size) {
        return WireClient.frame(MessageType.ALLOC, device, size, 0, PID, bufferId);
    }

    static Frame raw(int type, int device, long size, int bufferType, int pid) {
        // were it accepted, this would add 4000 DRAM bytes to its device (or free buffer 0x100)
        return new Frame(type, device, size, bufferType, pid, type == 2 ? 0x100 : 0x300, 1);
    }

    /**
     * One frame per rule of FrameCheck (on device {@code d} where the rule allows), and the words
     * its log line must carry.
     */
    static Stream<Arguments> badFrames() {
        List<Arguments> cases = new ArrayList<>();
        int[] device = {100};
        java.util.function.BiConsumer<String, java.util.function.IntFunction<Object[]>> add = (name, make) -> {
            int d = device[0]++;
            Object[] frameAndWords = make.apply(d);
            cases.add(Arguments.of(name, d, frameAndWords[0], frameAndWords[1]));
        };
        add.accept("unknown type 0", d -> new Object[] {raw(0, d, 4000, 0, PID), "unknown message type"});
        add.accept("unknown type 13", d -> new Object[] {raw(13, d, 4000, 0, PID), "unknown message type"});
        add.accept("unknown type 255", d -> new Object[] {raw(255, d, 4000, 0, PID), "unknown message type"});
        add.accept("RESPONSE from a client", d -> new Object[] {raw(4, d, 4000, 0, PID), "reply type sent by a client"});
        add.accept("DEVICE_INFO_RESPONSE from a client",
                d -> new Object[] {raw(7, d, 4000, 0, PID), "reply type sent by a client"});
        add.accept("ALLOC buffer_type 5", d -> new Object[] {raw(1, d, 4000, 5, PID), "buffer_type out of range"});
        add.accept("ALLOC buffer_type 255", d -> new Object[] {raw(1, d, 4000, 255, PID), "buffer_type out of range"});
        add.accept("ALLOC device -1", d -> new Object[] {raw(1, -1, 4000, 0, PID), "device id out of range"});
        add.accept("FREE device -2", d -> new Object[] {raw(2, -2, 0, 0, PID), "device id out of range"});
        add.accept("ALLOC device 1024", d -> new Object[] {raw(1, 1024, 4000, 0, PID), "device id out of range"});
        add.accept("QUERY device 1024", d -> new Object[] {raw(3, 1024, 0, 0, PID), "device id out of range"});
        add.accept("DEVICE_INFO_QUERY device -2", d -> new Object[] {raw(6, -2, 0, 0, PID), "device id out of range"});
        add.accept("ALLOC size 0", d -> new Object[] {raw(1, d, 0, 0, PID), "size 0 or above 1 TiB"});
        add.accept("ALLOC size 1 TiB + 1", d -> new Object[] {raw(1, d, TIB + 1, 0, PID), "size 0 or above 1 TiB"});
        add.accept("CB_ALLOC size 2^64-1", d -> new Object[] {raw(8, d, -1L, 0, PID), "size 0 or above 1 TiB"});
        add.accept("ALLOC pid 0", d -> new Object[] {raw(1, d, 4000, 0, 0), "process id not positive"});
        add.accept("FREE pid -1", d -> new Object[] {raw(2, d, 0, 0, -1), "process id not positive"});
        return cases.stream();
    }

    /** One daemon for every rule: each case has a connection and a device of its own. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class EachRule {

        Path sharedDirectory;
        TestDaemon daemon;

        @BeforeAll
        void startDaemon() throws Exception {
            sharedDirectory = java.nio.file.Files.createTempDirectory("tracker-bad-input");
            daemon = TestDaemon.start(sharedDirectory);
        }

        @AfterAll
        void stopDaemon() throws IOException {
            try {
                daemon.close();
            } finally {
                try (Stream<Path> paths = java.nio.file.Files.walk(sharedDirectory)) {
                    for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        java.nio.file.Files.deleteIfExists(path);
                    }
                }
            }
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("tracker.server.BadInputTest#badFrames")
        void skipsAndCountsABadFrameKeepingTheValidFramesAroundIt(String name, int device, Frame bad,
                                                                 String description) throws Exception {
            int outputBefore = daemon.output().length();
            long malformedBefore = daemon.daemon().metrics().malformedFrames();
            try (WireClient client = WireClient.connect(daemon.socket())) {
                // in one write: one read holds the frames before, the bad one and those after
                client.send(alloc(device, 0x100, 1000), bad, alloc(device, 0x200, 2000));
                expectEmptyReplyToARejectedRequest(client, bad);
                assertEquals(3000, dram(client.query(device)), name);
                // in separate writes
                client.send(alloc(device, 0x400, 10_000));
                client.send(bad);
                expectEmptyReplyToARejectedRequest(client, bad);
                client.send(alloc(device, 0x500, 20_000));
                assertEquals(33_000, dram(client.query(device)), name);
            }
            assertEquals(2, daemon.daemon().metrics().malformedFrames() - malformedBefore, name);
            String output = DaemonOutput.since(daemon, outputBefore);
            List<String> lines = output.lines().filter(l -> l.contains("malformed frame on connection")).toList();
            assertEquals(1, lines.size(), "logged once per connection:\n" + output);
            assertTrue(lines.get(0).contains("from pid " + PID), lines.get(0));
            assertTrue(lines.get(0).contains(description), lines.get(0));
            assertFalse(output.contains("closing connection"), output);

            daemon.flush();
            Set<Row> rows = LiveRows.all(daemon).stream().filter(r -> r.deviceId() == device)
                    .collect(Collectors.toSet());
            assertEquals(Set.of(new Row("BUFFER", device, 0x100, "DRAM", 1000, 1),
                    new Row("BUFFER", device, 0x200, "DRAM", 2000, 1),
                    new Row("BUFFER", device, 0x400, "DRAM", 10_000, 1),
                    new Row("BUFFER", device, 0x500, "DRAM", 20_000, 1)), rows);
            assertEquals(daemon.daemon().metrics().malformedFrames(), LiveRows.counter(daemon, "malformed_frames"));
        }
    }

    /** A rejected QUERY still gets a reply (nothing held), so its client never hangs. */
    static void expectEmptyReplyToARejectedRequest(WireClient client, Frame bad) throws IOException {
        MessageType type = bad.type();
        if (type == MessageType.QUERY || type == MessageType.DEVICE_INFO_QUERY) {
            byte[] reply = client.readFrame();
            assertEquals(type == MessageType.QUERY ? MessageType.RESPONSE.code()
                    : MessageType.DEVICE_INFO_RESPONSE.code(), reply[0]);
            assertEquals(0, FrameCodec.getLong(reply, FrameCodec.OFF_DRAM));
        }
    }

    static long dram(byte[] response) {
        assertEquals(MessageType.RESPONSE.code(), response[0]);
        return FrameCodec.getLong(response, FrameCodec.OFF_DRAM);
    }

    static Frame unknownType() {
        return raw(200, DEVICE, 4000, 0, PID);
    }

    @Test
    void tenBadFramesCloseTheConnectionNamingAWireVersionMismatch() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            List<Frame> frames = new ArrayList<>();
            frames.add(alloc(DEVICE, 0x100, 1000));
            for (int i = 0; i < 10; i++) {
                frames.add(unknownType());
            }
            frames.add(alloc(DEVICE, 0x200, 2000)); // after the close: never applied
            client.send(frames.toArray(Frame[]::new));
            assertEquals(0, client.readUntilClosed());
            String line = DaemonOutput.awaitContains(daemon, "wire-version mismatch").lines()
                    .filter(l -> l.contains("wire-version mismatch")).findFirst().orElseThrow();
            assertTrue(line.contains("closing connection #1 from pid " + PID), line);
            assertTrue(line.contains("after 10 malformed frames"), line);
            assertEquals(10, daemon.daemon().metrics().malformedFrames());
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", DEVICE, 0x100, "DRAM", 1000, 1)), LiveRows.all(daemon));
        }
    }

    @Test
    void tenBadFramesAmongTheLastTwentyCloseTheConnection() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < 19; i++) { // bad, good, bad, ... : ten bad among nineteen
                frames.add(i % 2 == 0 ? unknownType() : alloc(DEVICE, 0x100L * (i + 1), 100));
            }
            client.send(frames.toArray(Frame[]::new));
            assertEquals(0, client.readUntilClosed());
            DaemonOutput.awaitContains(daemon, "wire-version mismatch");
            assertEquals(10, daemon.daemon().metrics().malformedFrames());
            daemon.flush();
            assertEquals(9, LiveRows.all(daemon).size());
        }
    }

    @Test
    void badFramesSpreadOutKeepTheConnectionOpen() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            List<Frame> frames = new ArrayList<>();
            for (int round = 0; round < 3; round++) { // 9 bad then 11 good: never 10 bad among 20
                for (int i = 0; i < 9; i++) {
                    frames.add(unknownType());
                }
                for (int i = 0; i < 11; i++) {
                    frames.add(alloc(DEVICE, 0x1000L * round + 0x10L * i, 1));
                }
            }
            client.send(frames.toArray(Frame[]::new));
            assertEquals(33, dram(client.query(DEVICE)));
            assertEquals(27, daemon.daemon().metrics().malformedFrames());
            assertFalse(daemon.output().contains("wire-version mismatch"), daemon.output());
        }
    }

    static Stream<Arguments> shorterClients() {
        return Stream.of(Arguments.of(WireVersion.V3, WireVersion.V1), Arguments.of(WireVersion.V3, WireVersion.V2),
                Arguments.of(WireVersion.V2, WireVersion.V1));
    }

    @ParameterizedTest(name = "{1} client, {0} daemon")
    @MethodSource("shorterClients")
    void clientOfShorterFramesIsClosedWithALineNamingItsVersion(WireVersion daemonWire, WireVersion clientWire)
            throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, daemonWire);
             WireClient client = WireClient.connect(daemon.socket(), clientWire)) {
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                frames.add(alloc(0, 0x1000L * (i + 1), 4096));
            }
            client.send(frames.toArray(Frame[]::new));
            assertEquals(0, client.readUntilClosed());
            String needle = "the client sends " + clientWire.label() + " (" + clientWire.frameBytes() + "-byte) frames";
            String line = DaemonOutput.awaitContains(daemon, needle).lines().filter(l -> l.contains(needle))
                    .findFirst().orElseThrow();
            assertTrue(line.contains("--wire " + clientWire.label()), line);
            assertTrue(line.contains("from pid " + PID), line);
            assertTrue(daemon.daemon().metrics().malformedFrames() >= 1);
            daemon.flush();
            assertEquals(List.of(), LiveRows.all(daemon), "nothing of a misframed stream is applied");
        }
    }

    @Test
    void garbageBytesCloseTheConnectionAndLeaveTheDaemonServing() throws Exception {
        byte[] garbage = new byte[144 * 50];
        new Random(99).nextBytes(garbage);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            try (WireClient client = WireClient.connect(daemon.socket())) {
                client.sendRaw(garbage);
                assertEquals(0, client.readUntilClosed());
            }
            DaemonOutput.awaitContains(daemon, "wire-version mismatch");
            assertTrue(daemon.daemon().metrics().malformedFrames() >= 10);
            try (WireClient next = WireClient.connect(daemon.socket())) {
                next.send(alloc(0, 0x10, 64));
                assertEquals(64, dram(next.query(0)));
            }
        }
    }

    @Test
    void clientVanishingMidFrameKeepsItsWholeFramesAndCountsTheRest() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            try (WireClient client = WireClient.connect(daemon.socket())) {
                byte[] second = client.encode(alloc(0, 0x20, 64));
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                bytes.writeBytes(client.encode(alloc(0, 0x10, 64)));
                bytes.writeBytes(Arrays.copyOf(second, 100)); // neither a whole nor a legacy frame
                client.sendRaw(bytes.toByteArray());
            }
            DaemonOutput.awaitContains(daemon, "stream ended inside a frame (100 of 144 bytes)");
            Await.until(DaemonOutput.TIMEOUT, () -> daemon.output().contains("client disconnected"),
                    "the disconnect to be logged");
            assertEquals(1, daemon.daemon().metrics().malformedFrames());
            daemon.flush();
            assertEquals(List.of(new Row("BUFFER", 0, 0x10, "DRAM", 64, 1)), LiveRows.all(daemon));
        }
    }

    @Test
    void wellBehavedClientIsUnaffectedByBadClientsAtTheSameTime() throws Exception {
        int goodDevice = 10;
        LiveModel model = new LiveModel();
        List<Frame> script = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            script.add(WireClient.frame(MessageType.ALLOC, goodDevice + i % 2, 64 + i, i % 5, PID, 0x100L * i));
            if (i % 3 != 0) {
                script.add(WireClient.frame(MessageType.FREE, goodDevice + i % 2, 0, 0, PID, 0x100L * i));
            }
        }
        model.applyAll(script);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            CompletableFuture<Void> good = CompletableFuture.runAsync(() -> {
                try (WireClient client = WireClient.connect(daemon.socket())) {
                    for (int from = 0; from < script.size(); from += 97) {
                        client.send(script.subList(from, Math.min(script.size(), from + 97)).toArray(Frame[]::new));
                    }
                    client.query(goodDevice);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Random random = new Random(5);
            for (int round = 0; round < 8; round++) {
                try (WireClient garbage = WireClient.connect(daemon.socket())) {
                    byte[] bytes = new byte[144 * 30];
                    random.nextBytes(bytes);
                    garbage.sendRaw(bytes);
                    garbage.readUntilClosed();
                }
                try (WireClient v1 = WireClient.connect(daemon.socket(), WireVersion.V1)) {
                    v1.send(alloc(0, 0x10, 64), alloc(0, 0x20, 64), alloc(0, 0x30, 64));
                    v1.readUntilClosed();
                }
                try (WireClient sloppy = WireClient.connect(daemon.socket())) {
                    sloppy.send(alloc(0, 0x1000L + round, 8), unknownType(), raw(1, 4096, 8, 0, PID),
                            raw(1, 0, 0, 0, PID));
                    sloppy.query(0);
                }
            }
            good.get(60, TimeUnit.SECONDS);
            daemon.flush();
            Set<Row> goodRows = LiveRows.all(daemon).stream().filter(r -> r.deviceId() >= goodDevice)
                    .collect(Collectors.toSet());
            assertEquals(model.rows(), goodRows);
            try (WireClient observer = WireClient.connect(daemon.socket())) {
                for (int device = goodDevice; device < goodDevice + 2; device++) {
                    assertEquals(model.totals(device), LiveModel.totalsIn(observer.query(device)));
                }
            }
            assertEquals(8, LiveRows.all(daemon).stream().filter(r -> r.deviceId() == 0).count(),
                    "the sloppy clients' valid frames are kept");
        }
    }

    static Stream<Arguments> shorterClientsAskingFirst() {
        return Stream.of(
                // the 112-byte monitor client asks for the device count before anything else
                Arguments.of(WireVersion.V3, WireVersion.V2, MessageType.DEVICE_INFO_QUERY, -1),
                Arguments.of(WireVersion.V3, WireVersion.V1, MessageType.QUERY, 0));
    }

    /**
     * A client of shorter frames whose first message is a request waits for the reply: the
     * daemon must answer it or name the mismatch, never leave it hanging in silence.
     */
    @ParameterizedTest(name = "{1} client sending {2} first to a {0} daemon")
    @MethodSource("shorterClientsAskingFirst")
    void shorterClientWaitingForAReplyIsAnsweredOrToldOfTheMismatch(WireVersion daemonWire, WireVersion clientWire,
                                                                     MessageType request, int device) throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory, daemonWire);
             WireClient client = WireClient.connect(daemon.socket(), clientWire)) {
            client.send(new Frame(request.code(), device, 0, 0, PID, 0, 0));
            CompletableFuture<Integer> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.readUntilClosed();
                } catch (IOException e) {
                    return -1;
                }
            });
            String named = "(" + clientWire.frameBytes() + "-byte) frames";
            try {
                Await.until(java.time.Duration.ofSeconds(3), () -> reply.isDone() || daemon.output().contains(named),
                        () -> "a reply, a close or a line naming " + clientWire.label() + " " + named
                                + "; the client is still waiting. Daemon output:\n" + daemon.output());
            } finally {
                client.close();
            }
        }
    }
}
