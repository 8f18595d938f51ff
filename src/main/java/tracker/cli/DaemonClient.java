package tracker.cli;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Runs a command inside the running daemon through its command socket (see
 * {@code tracker.server.ControlServer}) and copies its output here. Loads no database
 * classes, so a query through the daemon costs one JVM start and one round trip.
 *
 * <p>Never waits forever: when no byte arrives for the timeout (connecting, sending or
 * waiting for the answer) the command fails with one line and exit code 3. A long answer
 * that keeps streaming is not cut. Not shared between threads: one call, one connection.
 */
public final class DaemonClient {

    /** How long the CLI waits for any progress from the daemon, unless TRACKER_TIMEOUT says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private DaemonClient() {
    }

    /** {@link #run(Path, String[], OutputStream, OutputStream, Duration)} with the default timeout. */
    public static OptionalInt run(Path controlSocket, String[] args, OutputStream out, OutputStream err)
            throws IOException {
        return run(controlSocket, args, out, err, DEFAULT_TIMEOUT);
    }

    /**
     * The exit code, or empty when no daemon listens on {@code controlSocket}.
     *
     * @throws java.nio.file.AccessDeniedException when this user may not connect to it
     *
     * @param timeout the longest wait for the connection and, after it, for each next byte
     */
    public static OptionalInt run(Path controlSocket, String[] args, OutputStream out, OutputStream err,
                                  Duration timeout) throws IOException {
        if (!Files.exists(controlSocket)) {
            return OptionalInt.empty();
        }
        if (!Files.isWritable(controlSocket)) {
            // connecting needs write permission on the socket: say so, rather than read the file
            // the daemon holds and report it "in use"
            throw new java.nio.file.AccessDeniedException(controlSocket.toString());
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try (channel; IdleWatch watch = IdleWatch.start(channel, timeout)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(controlSocket));
            } catch (ClosedChannelException e) {
                throw e; // closed by the watch: the timeout
            } catch (IOException e) {
                return OptionalInt.empty(); // a leftover file of a daemon that died
            }
            watch.progress();
            DataOutputStream request = new DataOutputStream(Channels.newOutputStream(channel));
            request.writeInt(args.length);
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.writeInt(bytes.length);
                request.write(bytes);
            }
            request.flush();
            watch.progress();
            DataInputStream reply = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
            return OptionalInt.of(copyReply(reply, out, err, watch));
        } catch (ClosedChannelException e) {
            return failed(err, "tracker: the daemon did not answer within ".concat(text(timeout))
                    .concat(" (TRACKER_TIMEOUT); it may be stopped or overloaded"));
        } catch (EOFException e) {
            return failed(err, "tracker: the daemon closed the command connection before answering");
        }
    }

    private static int copyReply(DataInputStream reply, OutputStream out, OutputStream err, IdleWatch watch)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (true) {
            int stream = reply.readByte();
            watch.progress();
            if (stream == 0) {
                out.flush();
                err.flush();
                return reply.readInt();
            }
            int length = reply.readInt();
            OutputStream target = stream == 2 ? err : out;
            while (length > 0) {
                int read = reply.read(buffer, 0, Math.min(buffer.length, length));
                if (read < 0) {
                    throw new EOFException();
                }
                watch.whileLocal(() -> target.write(buffer, 0, read));
                length -= read;
            }
        }
    }

    private static OptionalInt failed(OutputStream err, String line) throws IOException {
        err.write(line.concat("\n").getBytes(StandardCharsets.UTF_8));
        err.flush();
        return OptionalInt.of(ExitCode.UNAVAILABLE);
    }

    /** "10 s" or "500 ms". String.concat, not +: see Main#controlSocketOf. */
    private static String text(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? Long.toString(millis / 1000).concat(" s") : Long.toString(millis).concat(" ms");
    }

    private interface LocalWrite {
        void run() throws IOException;
    }

    /**
     * Closes the channel when no progress was made for the timeout: the blocked connect, write
     * or read then ends with AsynchronousCloseException. A channel cannot time out a blocking
     * read by itself (UNIX-domain channels have no socket adaptor to take SO_TIMEOUT).
     */
    private static final class IdleWatch implements AutoCloseable, Runnable {
        private final SocketChannel channel;
        private final long timeoutNanos;
        private final Thread thread;
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile boolean done;
        private volatile boolean local;

        private IdleWatch(SocketChannel channel, Duration timeout) {
            this.channel = channel;
            this.timeoutNanos = timeout.toNanos();
            this.thread = new Thread(this, "tracker-client-timeout");
            this.thread.setDaemon(true);
        }

        static IdleWatch start(SocketChannel channel, Duration timeout) {
            IdleWatch watch = new IdleWatch(channel, timeout);
            watch.thread.start();
            return watch;
        }

        void progress() {
            lastProgressNanos = System.nanoTime();
        }

        /** Runs a write to this side's output (a slow pager, a full pipe): not the daemon's time. */
        void whileLocal(LocalWrite write) throws IOException {
            local = true;
            try {
                write.run();
            } finally {
                progress();
                local = false;
            }
        }

        @Override
        public void run() {
            while (!done) {
                long left = lastProgressNanos + timeoutNanos - System.nanoTime();
                if (left <= 0 && local) {
                    left = timeoutNanos;
                } else if (left <= 0) {
                    try {
                        channel.close();
                    } catch (IOException e) {
                        // closed anyway
                    }
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            }
        }

        @Override
        public void close() {
            done = true;
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }
    }
}
