package tracker.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import tracker.cli.DaemonClient;

/**
 * Runs a CLI command inside a running daemon through its command socket (the socket beside
 * the database, {@code DB.ctl}), with the CLI's own client. This is how a test reads the
 * committed state of a daemon that runs in another process and holds the database file.
 */
final class ControlSocket {

    record Result(int exit, String out, String err) {
    }

    private ControlSocket() {
    }

    static Path of(Path database) {
        return tracker.server.ServerConfig.controlSocketOf(database);
    }

    /** Empty when nothing answers on the command socket (not started yet, or gone). */
    static Optional<Result> run(Path database, String... command) {
        Path socket = of(database);
        List<String> args = new ArrayList<>();
        args.add(command[0]);
        args.add("--db=" + database.toAbsolutePath().normalize());
        args.addAll(List.of(command).subList(1, command.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            OptionalInt exit = DaemonClient.run(socket, args.toArray(String[]::new), out, err);
            return exit.isPresent() ? Optional.of(new Result(exit.getAsInt(), out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8))) : Optional.empty();
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
