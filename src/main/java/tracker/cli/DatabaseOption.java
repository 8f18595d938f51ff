package tracker.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --db PATH}, shared by every command that reads or writes the database. */
public final class DatabaseOption {

    /** The suffix H2 gives the file of a database: a path naming the file means the database. */
    static final String FILE_SUFFIX = ".mv.db";

    @Option(names = "--db", paramLabel = "PATH", converter = PathConverter.class,
            description = "Database path; a trailing .mv.db (H2's file) is dropped (env TRACKER_DB; default: "
                    + "$XDG_STATE_HOME/tracker/tracker, else ~/.local/state/tracker/tracker).")
    Path database;

    public Path resolve() {
        return database != null ? database.toAbsolutePath() : defaultPath();
    }

    /** Never under /tmp: the records must survive a reboot. */
    public static Path defaultPath() {
        String explicit = System.getenv("TRACKER_DB");
        if (explicit != null && !explicit.isBlank()) {
            return of(explicit).toAbsolutePath();
        }
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("tracker").resolve("tracker").toAbsolutePath();
    }

    /**
     * The database {@code text} names: {@code x.mv.db} is the database {@code x}.
     *
     * @throws IllegalArgumentException for an empty path or one that names no file
     */
    static Path of(String text) {
        String path = text.endsWith(FILE_SUFFIX) ? text.substring(0, text.length() - FILE_SUFFIX.length()) : text;
        if (path.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' names no database (give a path such as"
                    + " ~/tracker/db)");
        }
        try {
            Path parsed = Path.of(path);
            if (parsed.getFileName() == null || path.endsWith("/")) {
                throw new IllegalArgumentException("'" + text + "' is a directory, not a database path (give"
                        + " a file name in it, such as " + Path.of(path).resolve("tracker") + ")");
            }
            return parsed;
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + text + "' is not a path: " + e.getReason());
        }
    }

    /** picocli's way to {@link #of}: a bad path is a usage error naming --db. Thread-safe. */
    static final class PathConverter implements ITypeConverter<Path> {
        @Override
        public Path convert(String text) {
            try {
                return of(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
