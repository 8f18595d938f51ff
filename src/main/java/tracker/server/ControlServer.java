package tracker.server;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import tracker.log.EventLog;

/**
 * The daemon's command socket, beside its database file: the CLI sends its arguments here
 * and the daemon runs the command on its own data, streaming the output back. This is how
 * the CLI sees live data while the daemon holds the file, with no network listener.
 *
 * <p>Request: int argc, then per argument int length + UTF-8 bytes. Reply: a sequence of
 * (byte stream, int length, bytes) with stream 1 = stdout, 2 = stderr, and last
 * (byte 0, int exit code). Thread-safe; one thread per request.
 */
public final class ControlServer implements AutoCloseable {

    /** Runs one CLI command against the daemon's data. */
    public interface Handler {
        int run(String[] args, PrintWriter out, PrintWriter err);
    }

    static final int MAX_ARGS = 256;
    static final int MAX_ARG_BYTES = 64 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final EventLog log;
    private final AtomicLong requests = new AtomicLong();
    private final Thread acceptThread;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, EventLog log) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.log = log;
        this.acceptThread = new Thread(this::acceptLoop, "tracker-control");
        this.acceptThread.setDaemon(true);
    }

    /**
     * Binds {@code path}. The caller holds the database lock, so a file already there is a
     * leftover of a daemon that died, never a live one.
     */
    public static ControlServer start(Path path, Set<PosixFilePermission> mode, Handler handler, EventLog log)
            throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, mode);
        ControlServer control = new ControlServer(path, server, handler, log);
        control.acceptThread.start();
        return control;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread thread = new Thread(() -> serve(client), "tracker-control-" + requests.incrementAndGet());
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.info("command socket accept failed: " + e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(client));
            String[] args = readArgs(in);
            DataOutputStream reply = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(client)));
            int code;
            try (PrintWriter out = writerFor(reply, 1); PrintWriter err = writerFor(reply, 2)) {
                code = runGuarded(args, out, err);
            }
            synchronized (reply) {
                reply.writeByte(0);
                reply.writeInt(code);
                reply.flush();
            }
        } catch (IOException e) {
            // the CLI went away mid-answer: nothing to do
        }
    }

    private int runGuarded(String[] args, PrintWriter out, PrintWriter err) {
        try {
            return handler.run(args, out, err);
        } catch (RuntimeException e) {
            err.println("tracker: daemon failed to run the command: " + e);
            return 3;
        }
    }

    private static String[] readArgs(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > MAX_ARGS) {
            throw new IOException("bad argument count " + count);
        }
        String[] args = new String[count];
        for (int i = 0; i < count; i++) {
            int length = in.readInt();
            if (length < 0 || length > MAX_ARG_BYTES) {
                throw new IOException("bad argument length " + length);
            }
            args[i] = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
        return args;
    }

    private static PrintWriter writerFor(DataOutputStream reply, int stream) {
        OutputStream framed = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                if (length == 0) {
                    return;
                }
                synchronized (reply) {
                    reply.writeByte(stream);
                    reply.writeInt(length);
                    reply.write(bytes, offset, length);
                }
            }

            @Override
            public void flush() throws IOException {
                synchronized (reply) {
                    reply.flush();
                }
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        return new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(framed, 64 * 1024),
                StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
