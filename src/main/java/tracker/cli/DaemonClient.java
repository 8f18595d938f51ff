package tracker.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Runs a command inside the running daemon through its command socket (see
 * {@code tracker.server.ControlServer}) and copies its output here. Loads no database
 * classes, so a query through the daemon costs one JVM start and one round trip.
 */
public final class DaemonClient {

    private DaemonClient() {
    }

    /** The exit code, or empty when no daemon answers on {@code controlSocket}. */
    public static OptionalInt run(Path controlSocket, String[] args, OutputStream out, OutputStream err) throws IOException {
        if (!Files.exists(controlSocket)) {
            return OptionalInt.empty();
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(controlSocket));
        } catch (IOException e) {
            return OptionalInt.empty(); // a leftover file of a daemon that died
        }
        try (channel) {
            DataOutputStream request = new DataOutputStream(Channels.newOutputStream(channel));
            request.writeInt(args.length);
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.writeInt(bytes.length);
                request.write(bytes);
            }
            request.flush();
            DataInputStream reply = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(channel)));
            byte[] buffer = new byte[64 * 1024];
            while (true) {
                int stream = reply.readByte();
                if (stream == 0) {
                    out.flush();
                    err.flush();
                    return OptionalInt.of(reply.readInt());
                }
                int length = reply.readInt();
                OutputStream target = stream == 2 ? err : out;
                while (length > 0) {
                    int read = reply.read(buffer, 0, Math.min(buffer.length, length));
                    if (read < 0) {
                        throw new java.io.EOFException();
                    }
                    target.write(buffer, 0, read);
                    length -= read;
                }
            }
        } catch (java.io.EOFException e) {
            err.write("tracker: the daemon closed the command connection before answering\n"
                    .getBytes(StandardCharsets.UTF_8));
            err.flush();
            return OptionalInt.of(ExitCode.UNAVAILABLE);
        }
    }
}
