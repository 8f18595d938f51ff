package tracker.server;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Carries event lists and tasks from the connections (many producers) to the ledger thread
 * (one consumer). Lock-free on the hot path: a producer wakes the consumer only when it sleeps
 * idle; under load the consumer wakes on a short timer and drains thousands of items at once,
 * instead of one wake-up per frame. Bounded in events, not items (an item may be one frame or
 * hundreds): a producer finding it full blocks (and so does its client, in send()) until the
 * consumer drains, so what sits here uncommitted stays small. Thread-safe.
 */
final class IngestQueue {

    /** How long the consumer naps between drains while traffic flows. */
    static final long BUSY_NAP_NANOS = 200_000;

    private final ConcurrentLinkedQueue<Object> items = new ConcurrentLinkedQueue<>();
    private final Semaphore room;
    /**
     * Items held, for {@link #size()}: the ledger reads it on every pass, and the queue's own
     * size() walks every node, up to tens of thousands while the ledger catches up.
     */
    private final AtomicInteger held = new AtomicInteger();
    private volatile Thread sleepingConsumer;
    /** set when the daemon stops or its ledger died: nothing is taken any more */
    private volatile boolean closed;

    IngestQueue(int capacity) {
        this.room = new Semaphore(capacity);
    }

    /**
     * Adds {@code item}, waiting while the queue is full.
     *
     * @throws QueueClosedException once the queue is closed, also to a producer already waiting
     */
    void put(Object item) throws InterruptedException {
        if (closed) {
            throw new QueueClosedException();
        }
        room.acquire(weightOf(item));
        if (closed) {
            throw new QueueClosedException();
        }
        add(item);
    }

    /**
     * Adds {@code item} unless the queue stays full for {@code timeoutMs}, or is closed: for the
     * daemon's own tasks, which must never wait without bound on a ledger that may be gone.
     */
    boolean offer(Object item, long timeoutMs) throws InterruptedException {
        if (closed || !room.tryAcquire(weightOf(item), timeoutMs, TimeUnit.MILLISECONDS) || closed) {
            return false;
        }
        add(item);
        return true;
    }

    private void add(Object item) {
        held.incrementAndGet();
        items.add(item);
        Thread consumer = sleepingConsumer;
        if (consumer != null) {
            LockSupport.unpark(consumer);
        }
    }

    /** Moves up to {@code max} items into {@code out}; never blocks. */
    int drainTo(List<Object> out, int max) {
        int moved = 0;
        int weight = 0;
        Object item;
        while (moved < max && (item = items.poll()) != null) {
            out.add(item);
            weight += weightOf(item);
            moved++;
        }
        if (moved > 0) {
            held.addAndGet(-moved);
            room.release(weight);
        }
        return moved;
    }

    /**
     * Waits for items. While busy, naps briefly so that items accumulate; when idle, sleeps
     * until a producer wakes it or the timeout passes.
     */
    void await(boolean busy, long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        if (busy) {
            LockSupport.parkNanos(this, Math.min(nanos, BUSY_NAP_NANOS));
            return;
        }
        sleepingConsumer = Thread.currentThread();
        try {
            if (items.isEmpty()) {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            sleepingConsumer = null;
        }
    }

    /** Events an item carries; a task counts as one. */
    private static int weightOf(Object item) {
        return item instanceof List<?> list ? Math.max(1, list.size()) : 1;
    }

    /**
     * Refuses every later {@link #put} and wakes the producers waiting for room (they get a
     * {@link QueueClosedException}): with the ledger gone, nobody would ever make room.
     * What is still queued stays for {@link #drainTo}.
     */
    synchronized void close() {
        if (!closed) {
            closed = true;
            room.release(Integer.MAX_VALUE / 2);
        }
    }

    /** Thrown to a producer when the queue is closed: the daemon is stopping. */
    static final class QueueClosedException extends InterruptedException {
        QueueClosedException() {
            super("the daemon is stopping");
        }
    }

    /** Items put and not yet drained; constant time. */
    int size() {
        return held.get();
    }
}
