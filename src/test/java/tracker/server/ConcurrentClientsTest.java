package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.LiveRows.Row;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.DeviceTotals;
import tracker.wire.Frame;
import tracker.wire.MessageType;

/** Many clients at once, each on its own connection: the committed live set is exactly what they left. */
class ConcurrentClientsTest {

    static final int CLIENTS = 16;
    static final int BUFFERS_PER_CLIENT = 2000;
    static final int DEVICES = 4;

    @TempDir
    Path directory;

    /**
     * Client {@code c} allocates buffers c<<32 | i (and a CB every tenth), frees all but every
     * seventh, in random-sized writes, with a QUERY now and then; it returns the frames it sent.
     */
    static List<Frame> script(int c) {
        Random random = new Random(c);
        List<Frame> frames = new ArrayList<>();
        List<Frame> toFree = new ArrayList<>();
        for (int i = 0; i < BUFFERS_PER_CLIENT; i++) {
            long id = ((long) c << 32) | i;
            int device = (c + i) % DEVICES;
            frames.add(WireClient.frame(MessageType.ALLOC, device, 1 + random.nextInt(1 << 20), random.nextInt(5),
                    WireClient.SELF_PID, id));
            if (i % 10 == 0) {
                frames.add(WireClient.frame(MessageType.CB_ALLOC, device, 1024, 0, WireClient.SELF_PID, id));
            }
            if (i % 7 != 0) {
                toFree.add(WireClient.frame(MessageType.FREE, device, 0, 0, WireClient.SELF_PID, id));
            }
            // free some of what is pending, in a shuffled order
            while (!toFree.isEmpty() && random.nextInt(3) == 0) {
                frames.add(toFree.remove(random.nextInt(toFree.size())));
            }
        }
        frames.addAll(toFree);
        return frames;
    }

    @Test
    void liveSetAfterManyConcurrentClientsIsExactlyWhatTheyLeft() throws Exception {
        LiveModel model = new LiveModel();
        List<List<Frame>> scripts = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            scripts.add(script(c));
            model.applyAll(scripts.get(c)); // the clients' keys are disjoint: order between clients is free
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            CyclicBarrier start = new CyclicBarrier(CLIENTS);
            List<Future<Long>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                List<Frame> frames = scripts.get(c);
                int seed = c;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed * 7919L);
                    try (WireClient client = WireClient.connect(daemon.socket())) {
                        start.await();
                        int position = 0;
                        while (position < frames.size()) {
                            int end = Math.min(frames.size(), position + 1 + random.nextInt(300));
                            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                            for (Frame frame : frames.subList(position, end)) {
                                bytes.writeBytes(client.encode(frame));
                            }
                            client.sendRaw(bytes.toByteArray());
                            position = end;
                            if (random.nextInt(20) == 0) {
                                client.query(random.nextInt(DEVICES));
                            }
                        }
                        client.query(0); // everything before it has reached the ledger
                    }
                    return (long) frames.size();
                }));
            }
            long sent = 0;
            for (Future<Long> result : results) {
                sent += result.get(60, TimeUnit.SECONDS);
            }
            try (WireClient observer = WireClient.connect(daemon.socket())) {
                for (int device = 0; device < DEVICES; device++) {
                    DeviceTotals totals = LiveModel.totalsIn(observer.query(device));
                    assertEquals(model.totals(device), totals, "device " + device);
                }
            }
            daemon.flush();
            Set<Row> committed = LiveRows.set(daemon);
            Set<Row> expected = model.rows();
            Set<Row> missing = new HashSet<>(expected);
            missing.removeAll(committed);
            Set<Row> extra = new HashSet<>(committed);
            extra.removeAll(expected);
            assertEquals(Set.of(), missing, "live records lost");
            assertEquals(Set.of(), extra, "records that should be gone");
            assertEquals(expected.size(), committed.size());
            assertEquals(0, daemon.daemon().metrics().malformedFrames());
            assertEquals(0, LiveRows.counter(daemon, "unknown_frees"));
            assertEquals(sent, LiveRows.counter(daemon, "events"));
        } finally {
            pool.shutdownNow();
        }
    }
}
