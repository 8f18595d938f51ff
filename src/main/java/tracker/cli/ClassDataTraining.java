package tracker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import tracker.log.EventLog;
import tracker.server.ControlServer;
import tracker.store.Database;
import tracker.store.EventChunkCodec;
import tracker.store.Times;

/**
 * Not a user command: the launcher runs this once per build with
 * {@code -XX:DumpLoadedClassList} so that its class-data archive holds what one-shot
 * commands load, on each of their paths: creating and migrating a database, reading the
 * file with dump and history, and forwarding a command to a daemon's command socket.
 * Classes the archive lacks are loaded and verified from the jar at every call.
 *
 * <p>Usage: {@code java -cp tracker.jar tracker.cli.ClassDataTraining SCRATCH_DIRECTORY}
 * (makes a database "train" there; stdout gets the commands' output).
 */
public final class ClassDataTraining {

    private static final int PID = 4242;

    private ClassDataTraining() {
    }

    @SuppressWarnings("try") // the command socket is held open for the block; nothing in it names it
    public static void main(String[] args) throws IOException {
        Path database = Path.of(args[0]).resolve("train").toAbsolutePath();
        String db = database.toString();
        String pid = Integer.toString(PID);
        // the writer's path: create and migrate
        Main.run(new String[] {"prune", "--older-than", "1d", "--db", db});
        seedHistory(database);
        // the reader's path: the file, as with no daemon
        Main.run(new String[] {"dump", "--pid", pid, "--db", db});
        Main.run(new String[] {"history", "--pid", pid, "--db", db});
        Main.run(new String[] {"stats", "--db", db});
        // the forwarding path: a command socket that answers as the daemon's does
        EventLog quiet = new EventLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), false);
        try (ControlServer control = ControlServer.start(Main.controlSocketOf(database),
                PosixFilePermissions.fromString("rw-------"), (request, out, err) -> {
                    out.println("trained");
                    return ExitCode.OK;
                }, quiet)) {
            Main.run(new String[] {"dump", "--pid", pid, "--db", db});
            Main.run(new String[] {"history", "--pid", pid, "--db", db});
        }
        System.out.flush();
    }

    /** A few events of one process, so that history decodes and prints rows. */
    private static void seedHistory(Path database) {
        long now = Times.micros(Instant.now());
        EventChunkCodec.Builder chunk = new EventChunkCodec.Builder();
        chunk.add(now, 0, 1, 0, 0, 0, 4096, 0x1000, 0, 1);
        chunk.add(now + 10, 0, 2, EventChunkCodec.FREED_RECORD, 0, 0, 4096, 0x1000, 0, 0);
        try (Database writer = Database.open(database, Database.Access.READ_WRITE)) {
            writer.jdbi().useHandle(handle -> handle.createUpdate("INSERT INTO event_chunks"
                            + " (id, process_id, pid, first_at, last_at, event_count, encoding, data)"
                            + " VALUES (1, 1, ?, ?, ?, ?, ?, ?)")
                    .bind(0, PID)
                    .bind(1, Times.utc(chunk.firstMicros()))
                    .bind(2, Times.utc(chunk.lastMicros()))
                    .bind(3, chunk.count())
                    .bind(4, EventChunkCodec.STORED_ENCODING)
                    .bind(5, tracker.store.StoredBlob.seal(chunk.toBytes()))
                    .execute());
        }
    }
}
