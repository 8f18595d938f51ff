package tracker.faults;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a CLI command inside a running daemon through its command socket (the socket beside
 * the database, {@code DB.ctl}), speaking the same framing the {@code tracker} launcher does:
 * int argc, then per argument int length + UTF-8 bytes; the reply is (stream byte, int
 * length, bytes)* then (0, int exit code). This is how a test reads the committed state of a
 * daemon that runs in another process and holds the database file.
 */
final class ControlSocket {

    record Result(int exit, String out, String err) {
    }

    private ControlSocket() {
    }

    static Path of(Path database) {
        return Path.of(database.toAbsolutePath().normalize() + ".ctl");
    }

    /** Empty when nothing answers on the command socket (not started yet, or gone). */
    static Optional<Result> run(Path database, String... command) {
        Path socket = of(database);
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        List<String> args = new ArrayList<>();
        args.add(command[0]);
        args.add("--db=" + database.toAbsolutePath().normalize());
        args.addAll(List.of(command).subList(1, command.length));
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            DataOutputStream request = new DataOutputStream(Channels.newOutputStream(channel));
            request.writeInt(args.size());
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.writeInt(bytes.length);
                request.write(bytes);
            }
            request.flush();
            DataInputStream reply = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(channel)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            while (true) {
                int stream = reply.readByte();
                if (stream == 0) {
                    return Optional.of(new Result(reply.readInt(), out.toString(StandardCharsets.UTF_8),
                            err.toString(StandardCharsets.UTF_8)));
                }
                byte[] bytes = reply.readNBytes(reply.readInt());
                (stream == 2 ? err : out).writeBytes(bytes);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs {@code tracker sql --format csv QUERY} in the daemon and returns the rows as numbers
     * (the query must select numeric columns only); empty when the daemon does not answer.
     */
    static Optional<List<long[]>> sql(Path database, String query) {
        return run(database, "sql", "--format", "csv", query).map(result -> {
            if (result.exit() != 0) {
                throw new AssertionError("tracker sql failed (exit " + result.exit() + "): " + result.err());
            }
            List<long[]> rows = new ArrayList<>();
            List<String> lines = result.out().lines().filter(l -> !l.isBlank()).toList();
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] cells = line.split(",", -1);
                long[] row = new long[cells.length];
                for (int i = 0; i < cells.length; i++) {
                    row[i] = cells[i].isEmpty() ? 0 : Long.parseLong(cells[i]);
                }
                rows.add(row);
            }
            return rows;
        });
    }

    /** One number from the daemon's database, or -1 while the daemon does not answer. */
    static long sqlLong(Path database, String query) {
        return sql(database, query).map(rows -> rows.isEmpty() ? 0 : rows.get(0)[0]).orElse(-1L);
    }
}
