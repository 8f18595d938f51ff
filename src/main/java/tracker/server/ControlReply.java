package tracker.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The answer to one command-socket request: frames (byte stream, int length, bytes) with
 * stream 1 = stdout and 2 = stderr, then (byte 0, int exit code).
 *
 * <p>The command's output fails, with {@link Failed} (unchecked, so that it passes through
 * {@link PrintWriter}, which would swallow an IOException), once the command's time is up,
 * its output is over the size limit or the client went away. That is how a command over a
 * limit is stopped without interrupting its thread, which may be inside H2. The reply then
 * ends with one line saying why and exit code 3. The channel is non-blocking: a client that
 * stops reading holds a writer at most until the deadline.
 *
 * <p>Thread-safe: the command's thread writes, and the deadline watchdog may end the reply
 * when the command is silent.
 */
final class ControlReply implements AutoCloseable {

    /** The command's output failed: see {@link #failure}. */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    static final int EXIT_UNAVAILABLE = 3;
    private static final long FINAL_LINE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final SocketChannel channel;
    private final long deadlineNanos;
    private final long maxBytes;
    private final String timeLimitText;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile String failure;
    private Selector writable;
    private long written;
    private boolean ended;

    ControlReply(SocketChannel channel, long deadlineNanos, long maxBytes, String timeLimitText) {
        this.channel = channel;
        this.deadlineNanos = deadlineNanos;
        this.maxBytes = maxBytes;
        this.timeLimitText = timeLimitText;
    }

    /** A writer of stream 1 (stdout) or 2 (stderr), buffered; flushing writes one frame. */
    PrintWriter writer(int stream) {
        OutputStream framed = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                frame(stream, bytes, offset, length);
            }
        };
        return new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(framed, 64 * 1024),
                StandardCharsets.UTF_8));
    }

    /** Writes one frame of output, or fails the command's output. */
    void frame(int stream, byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        lock.lock();
        try {
            if (failure != null) {
                throw new Failed(failure);
            }
            if (written + length > maxBytes) {
                throw fail("tracker: the answer is larger than the daemon sends (" + maxBytes / (1024 * 1024)
                        + " MiB); narrow the query");
            }
            ByteBuffer frame = ByteBuffer.allocate(5 + length);
            frame.put((byte) stream).putInt(length).put(bytes, offset, length).flip();
            writeFully(frame, deadlineNanos);
            written += length;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the reply with {@code exitCode}, or with the line saying why the command failed and
     * exit code 3 when it did. Once only; later calls do nothing.
     */
    void end(int exitCode) {
        lock.lock();
        try {
            endLocked(exitCode);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the reply with {@code line} on stderr and exit code 3, unless it has ended; when the
     * output had already failed, its reason is the line the client gets.
     */
    void failWith(String line) {
        lock.lock();
        try {
            if (failure == null) {
                failure = line;
            }
            endLocked(EXIT_UNAVAILABLE);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the watchdog at the deadline: from now on the command's output fails; when
     * the command is not writing (silent, for instance inside a long query) the client gets
     * its answer now. When it is writing, its own wait ends at the same deadline.
     */
    void expire() {
        if (failure == null) {
            failure = timeLimitText;
        }
        if (lock.tryLock()) {
            try {
                endLocked(EXIT_UNAVAILABLE);
            } finally {
                lock.unlock();
            }
        }
    }

    private void endLocked(int exitCode) {
        if (ended) {
            return;
        }
        ended = true;
        long finalDeadline = System.nanoTime() + FINAL_LINE_NANOS;
        try {
            if (failure != null) {
                byte[] line = (failure + "\n").getBytes(StandardCharsets.UTF_8);
                ByteBuffer frame = ByteBuffer.allocate(10 + line.length);
                frame.put((byte) 2).putInt(line.length).put(line).put((byte) 0).putInt(EXIT_UNAVAILABLE).flip();
                writeFully(frame, finalDeadline);
            } else {
                ByteBuffer frame = ByteBuffer.allocate(5);
                frame.put((byte) 0).putInt(exitCode).flip();
                writeFully(frame, finalDeadline);
            }
        } catch (Failed e) {
            // the client cannot take the last line: closing tells it as much
        } finally {
            closeChannel();
        }
    }

    private Failed fail(String why) {
        failure = why;
        return new Failed(why);
    }

    private void writeFully(ByteBuffer frame, long deadline) {
        try {
            while (frame.hasRemaining()) {
                if (channel.write(frame) > 0) {
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw fail(failure != null ? failure : timeLimitText);
                }
                awaitWritable(left);
            }
        } catch (IOException e) {
            throw fail("tracker: the client closed the command connection");
        }
    }

    private void awaitWritable(long nanos) throws IOException {
        if (writable == null) {
            writable = Selector.open();
            channel.register(writable, SelectionKey.OP_WRITE);
        }
        writable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        writable.selectedKeys().clear();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!ended) {
                ended = true;
                closeChannel();
            }
            if (writable != null) {
                writable.close();
            }
        } catch (IOException e) {
            // closing anyway
        } finally {
            lock.unlock();
        }
    }
}
