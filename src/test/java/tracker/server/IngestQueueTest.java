package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tracker.testing.Await;

/** The hand-over between connections and the ledger: its count and its bound in events. */
class IngestQueueTest {

    @Test
    void sizeCountsItemsHeldNotEvents() throws Exception {
        IngestQueue queue = new IngestQueue(100);
        queue.put(List.of("a", "b", "c"));
        queue.put(new LedgerTask.Flush(new CompletableFuture<>()));
        queue.put(List.of("d"));
        assertEquals(3, queue.size());

        List<Object> out = new ArrayList<>();
        assertEquals(2, queue.drainTo(out, 2));
        assertEquals(1, queue.size());
        assertEquals(1, queue.drainTo(out, 10));
        assertEquals(0, queue.size());
        assertEquals(0, queue.drainTo(out, 10));
        assertEquals(0, queue.size());
    }

    @Test
    void producerWaitsWhileTheEventsHeldReachTheBoundAndGoesOnOnceDrained() throws Exception {
        IngestQueue queue = new IngestQueue(4);
        queue.put(List.of(1, 2, 3));
        AtomicInteger putsDone = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try {
                queue.put(List.of(4, 5));
                putsDone.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        Await.until("the producer blocks: 3 + 2 events exceed the bound of 4",
                () -> producer.getState() == Thread.State.WAITING);
        assertEquals(0, putsDone.get());
        assertEquals(1, queue.size());

        List<Object> out = new ArrayList<>();
        assertEquals(1, queue.drainTo(out, 10));
        producer.join(Await.DEFAULT_TIMEOUT.toMillis());
        assertEquals(1, putsDone.get());
        assertEquals(1, queue.size());
    }
}
