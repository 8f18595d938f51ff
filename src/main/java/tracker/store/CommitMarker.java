package tracker.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A small file beside the database ({@code <db>.commit}) holding the number of the last commit
 * the daemon wrote. The database holds the same number in its {@code commit_seq} counter; a
 * database whose number is lower than the file's opened at an older state than was committed
 * (H2 opens a truncated file at its last whole version; a backup may be restored over a newer
 * file), which the database alone cannot tell. The file is written after each commit, in place
 * and without a sync: after a kill -9 it is never ahead of the database. Callers write one at
 * a time (the database's single writer).
 */
public final class CommitMarker {

    /** Fixed width, so every write overwrites the whole line in place. */
    private static final int RECORD_BYTES = 40;
    private static final String PREFIX = "tracker commit ";

    private final Path path;

    private CommitMarker(Path path) {
        this.path = path;
    }

    /** The marker of the database at {@code database} (the path without H2's suffix). */
    public static Path pathOf(Path database) {
        return Path.of(database.toAbsolutePath().normalize() + ".commit");
    }

    public static CommitMarker of(Path database) {
        return new CommitMarker(pathOf(database));
    }

    /**
     * The commit number recorded, or -1 when there is no marker (a database first opened by
     * a version that kept none, or a new one).
     *
     * @throws CorruptBlobException when the file is there but does not hold a commit number
     */
    public long read() throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return -1;
        }
        if (!text.startsWith(PREFIX)) {
            throw new CorruptBlobException(path + " does not hold a commit number");
        }
        try {
            return Long.parseLong(text.substring(PREFIX.length()).strip());
        } catch (NumberFormatException e) {
            throw new CorruptBlobException(path + " does not hold a commit number", e);
        }
    }

    /**
     * Records {@code commitSeq} as the last commit written. Opened per call: a few microseconds
     * next to a commit, and no descriptor held by every writer that ever touched the file.
     */
    public void record(long commitSeq) throws IOException {
        String line = PREFIX + commitSeq;
        byte[] record = (line + " ".repeat(Math.max(0, RECORD_BYTES - 1 - line.length())) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.wrap(record);
        try (FileChannel channel = FileChannel.open(path, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rw-------")))) {
            long position = 0;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    public Path path() {
        return path;
    }
}
