package tracker.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command socket's protocol spoken byte by byte, as a hostile client would: any
 * arguments, no rewriting of --db, and a deadline on every answer, so that a daemon that
 * never answers fails the test instead of hanging it.
 */
final class RawControl {

    /** What came back: the exit code (-1 when the connection closed without one) and both streams. */
    record Reply(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private RawControl() {
    }

    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    /** Runs {@code args} on the command socket; fails the test when no answer ends within {@code timeout}. */
    static Reply run(Path socket, Duration timeout, String... args) throws IOException {
        try (SocketChannel channel = connect(socket)) {
            channel.write(ByteBuffer.wrap(request(args)));
            return read(channel, timeout);
        }
    }

    static byte[] request(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(ByteBuffer.allocate(4).putInt(args.length).array());
        for (String arg : args) {
            byte[] text = arg.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(ByteBuffer.allocate(4).putInt(text.length).array());
            bytes.writeBytes(text);
        }
        return bytes.toByteArray();
    }

    /** Reads the reply until its exit code or the daemon's close; fails the test at the deadline. */
    static Reply read(SocketChannel channel, Duration timeout) throws IOException {
        channel.configureBlocking(false);
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (true) {
                Reply reply = parse(received.toByteArray(), false);
                if (reply != null) {
                    return reply;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no answer on the command socket within " + timeout.toMillis()
                            + " ms; received so far: " + parse(received.toByteArray(), true));
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                selector.selectedKeys().clear();
                buffer.clear();
                int read;
                try {
                    read = channel.read(buffer);
                } catch (IOException e) {
                    read = -1; // reset by the daemon, which closed with our request unread
                }
                if (read < 0) {
                    return parse(received.toByteArray(), true);
                }
                received.write(buffer.array(), 0, read);
            }
        }
    }

    /** The reply in {@code bytes} once it has its exit code; else null, or what there is when {@code closed}. */
    private static Reply parse(byte[] bytes, boolean closed) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        while (in.remaining() >= 5) {
            int stream = in.get();
            int length = in.getInt();
            if (stream == 0) {
                return new Reply(length, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            }
            if (in.remaining() < length) {
                break;
            }
            (stream == 2 ? err : out).write(bytes, in.position(), length);
            in.position(in.position() + length);
        }
        return closed ? new Reply(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8))
                : null;
    }
}
