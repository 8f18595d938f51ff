package tracker.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * A protocol client for tests, on the JDK's own Unix-domain channel: it writes frames as
 * the TT-Metal client does (blocking, whole frames) and reads the replies. By default it
 * reports this JVM's pid, which is alive, so the reaper leaves its records alone.
 */
public final class WireClient implements AutoCloseable {

    public static final int SELF_PID = (int) ProcessHandle.current().pid();

    private final SocketChannel channel;
    private final WireVersion version;

    private WireClient(SocketChannel channel, WireVersion version) {
        this.channel = channel;
        this.version = version;
    }

    public static WireClient connect(Path socket) throws IOException {
        return connect(socket, WireVersion.V3);
    }

    public static WireClient connect(Path socket, WireVersion version) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new WireClient(channel, version);
    }

    public static Frame alloc(int device, long bufferId, long size, int memoryType) {
        return new Frame(MessageType.ALLOC.code(), device, size, memoryType, SELF_PID, bufferId, System.nanoTime());
    }

    public static Frame free(int device, long bufferId) {
        return new Frame(MessageType.FREE.code(), device, 0, 0, SELF_PID, bufferId, 0);
    }

    public static Frame frame(MessageType type, int device, long size, int bufferType, int pid, long bufferId) {
        return new Frame(type.code(), device, size, bufferType, pid, bufferId, type.allocates() ? 1 : 0);
    }

    public byte[] encode(Frame frame) {
        return FrameCodec.encodeRequest(version, frame);
    }

    public void send(Frame... frames) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(frames.length * version.frameBytes());
        for (Frame frame : frames) {
            buffer.put(encode(frame));
        }
        buffer.flip();
        writeFully(buffer);
    }

    public void sendRaw(byte[] bytes) throws IOException {
        writeFully(ByteBuffer.wrap(bytes));
    }

    /** Sends QUERY for {@code device} and returns the RESPONSE frame. */
    public byte[] query(int device) throws IOException {
        send(new Frame(MessageType.QUERY.code(), device, 0, 0, SELF_PID, 0, 0));
        return readFrame();
    }

    public byte[] deviceInfo(int device) throws IOException {
        send(new Frame(MessageType.DEVICE_INFO_QUERY.code(), device, 0, 0, SELF_PID, 0, 0));
        return readFrame();
    }

    public byte[] readFrame() throws IOException {
        ByteBuffer reply = ByteBuffer.allocate(version.frameBytes());
        while (reply.hasRemaining()) {
            if (channel.read(reply) < 0) {
                throw new IOException("connection closed after " + reply.position() + " reply bytes");
            }
        }
        return reply.array();
    }

    /** Reads until the daemon closes the connection; returns the bytes read before that. */
    public int readUntilClosed() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(4096);
        int total = 0;
        while (true) {
            sink.clear();
            int read;
            try {
                read = channel.read(sink);
            } catch (IOException e) {
                return total; // reset by the daemon
            }
            if (read < 0) {
                return total;
            }
            total += read;
        }
    }

    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
