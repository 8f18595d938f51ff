package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

/** What a cleanly stopped daemon committed is exactly what the next one on the same database starts from. */
class RestartTest {

    static final int PID = WireClient.SELF_PID;

    @TempDir
    Path directory;

    static Frame frame(MessageType type, int device, long size, int bufferType, long bufferId) {
        return WireClient.frame(type, device, size, bufferType, PID, bufferId);
    }

    @Test
    void newDaemonOnTheSameDatabaseReloadsExactlyTheCommittedLiveSet() throws Exception {
        LiveModel model = new LiveModel();
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int device = i % 3;
            frames.add(frame(MessageType.ALLOC, device, 4096L * (1 + i % 7), i % 10 == 9 ? 0 : i % 5, 0x1000L * i));
            if (i % 3 == 0) {
                frames.add(frame(MessageType.FREE, device, 0, 0, 0x1000L * i));
            }
            if (i % 10 == 0) {
                frames.add(frame(MessageType.ALLOC, (i + 1) % 3, 4096, 0, 0x1000L * (i + 1))); // allocated again below
            }
            if (i % 25 == 0) {
                frames.add(frame(MessageType.CB_ALLOC, device, 2048, 0, 0x1000L * i));
                frames.add(frame(MessageType.KERNEL_LOAD, device, 8192, i % 3, 0x7F00_0000_0000L + i));
            }
        }
        frames.add(frame(MessageType.KERNEL_UNLOAD, 0, 8192, 0, 0x7F00_0000_0000L));
        model.applyAll(frames);

        try (TestDaemon first = TestDaemon.start(directory);
             WireClient client = WireClient.connect(first.socket())) {
            int half = frames.size() / 2;
            client.send(frames.subList(0, half).toArray(Frame[]::new));
            first.flush(); // part of it committed in an earlier window
            client.send(frames.subList(half, frames.size()).toArray(Frame[]::new));
            client.query(0); // every frame read; close() must commit what was not yet
            first.close();
        }

        try (TestDaemon second = TestDaemon.start(directory);
             WireClient client = WireClient.connect(second.socket())) {
            for (int device = 0; device < 3; device++) {
                assertEquals(model.totals(device), LiveModel.totalsIn(client.query(device)), "device " + device);
            }
            assertEquals(model.rows(), LiveRows.set(second));
            assertTrue(model.size() > 100, "a sizeable live set: " + model.size());

            // the reloaded records behave as live ones: ref counts go on from where they were
            Row shared = model.rows().stream().filter(r -> r.refCount() == 2).findFirst().orElseThrow();
            client.send(frame(MessageType.FREE, shared.deviceId(), 0, 0, shared.bufferId()));
            model.apply(frame(MessageType.FREE, shared.deviceId(), 0, 0, shared.bufferId()));
            client.send(frame(MessageType.FREE, shared.deviceId(), 0, 0, shared.bufferId()));
            model.apply(frame(MessageType.FREE, shared.deviceId(), 0, 0, shared.bufferId()));
            client.send(frame(MessageType.CB_FREE, 0, 2048, 0, 0));
            model.apply(frame(MessageType.CB_FREE, 0, 2048, 0, 0));
            assertEquals(model.totals(shared.deviceId()), LiveModel.totalsIn(client.query(shared.deviceId())));
            assertEquals(model.totals(0), LiveModel.totalsIn(client.query(0)));
            second.flush();
            assertEquals(model.rows(), LiveRows.set(second));
            assertEquals(0, LiveRows.counter(second, "unknown_frees"));
        }
    }

    @Test
    void countersContinueAcrossARestart() throws Exception {
        try (TestDaemon first = TestDaemon.start(directory);
             WireClient client = WireClient.connect(first.socket())) {
            client.send(frame(MessageType.FREE, 0, 0, 0, 0xdead), frame(MessageType.ALLOC, 0, 64, 0, 0x40));
            client.query(0);
            first.close();
        }
        try (TestDaemon second = TestDaemon.start(directory);
             WireClient client = WireClient.connect(second.socket())) {
            client.send(frame(MessageType.FREE, 0, 0, 0, 0xbeef));
            client.query(0);
            second.flush();
            assertEquals(2, LiveRows.counter(second, "unknown_frees"));
            assertEquals(3, LiveRows.counter(second, "events"));
            // received and committed both count every run: they meet once everything is committed
            assertEquals(3, second.daemon().metrics().eventsApplied());
            assertEquals(3, second.daemon().metrics().eventsCommitted());
        }
    }

    /**
     * A clean stop while clients are still writing: every frame the kernel accepted from them
     * before the daemon went away must be committed. Several writers make sure some of them
     * have bytes the daemon has not read yet when it stops.
     */
    @Test
    void cleanStopCommitsEveryFrameTheClientsHadWritten() throws Exception {
        int writers = 8;
        int framesPerWriter = 40_000;
        List<ByteBuffer> streams = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            ByteBuffer stream = ByteBuffer.allocate(framesPerWriter * WireVersion.V3.frameBytes());
            for (int i = 0; i < framesPerWriter; i++) {
                long id = ((long) w << 32) | (i / 2);
                stream.put(FrameCodec.encodeRequest(WireVersion.V3, i % 2 == 0
                        ? frame(MessageType.ALLOC, w, 64, 0, id) : frame(MessageType.FREE, w, 0, 0, id)));
            }
            streams.add(stream.flip());
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        long whole = 0;
        long read;
        try (TestDaemon first = TestDaemon.start(directory)) {
            List<Future<Long>> accepted = new ArrayList<>();
            for (ByteBuffer stream : streams) {
                accepted.add(pool.submit(() -> writeUntilRefused(first.socket(), stream)));
            }
            Await.until(DaemonOutput.TIMEOUT, () -> first.daemon().metrics().connectionsAccepted() == writers
                            && first.daemon().metrics().framesReceived() > 8_000,
                    "the daemon reading the streams of every writer");
            first.close();
            for (Future<Long> bytes : accepted) {
                long written = bytes.get(30, TimeUnit.SECONDS);
                whole += written / WireVersion.V3.frameBytes();
                // a stream cut exactly 72 or 112 bytes into a frame ends on a legacy frame, which the
                // protocol says to decode (those bytes hold every field of the message): one more event
                long tail = written % WireVersion.V3.frameBytes();
                if (tail == WireVersion.V1.frameBytes() || tail == WireVersion.V2.frameBytes()) {
                    whole++;
                }
            }
            read = first.daemon().metrics().framesReceived();
        } finally {
            pool.shutdownNow();
        }
        assertTrue(whole < (long) writers * framesPerWriter, "the daemon stopped while the clients were writing");
        try (TestDaemon second = TestDaemon.start(directory)) {
            assertEquals(whole, LiveRows.counter(second, "events"), "the clients had written " + whole
                    + " whole frames when the daemon stopped; the daemon had read " + read);
        }
    }

    /** Writes without blocking so that the count of bytes the kernel took is exact; returns it. */
    static long writeUntilRefused(Path socket, ByteBuffer stream) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_WRITE);
            while (stream.hasRemaining()) {
                try {
                    channel.write(stream);
                } catch (IOException refused) {
                    return stream.position();
                }
                if (stream.hasRemaining()) {
                    selector.select(1000);
                    selector.selectedKeys().clear();
                }
            }
            return stream.position();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
