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

    @Option(names = "--db", paramLabel = "PATH", converter = LocationConverter.class,
            description = "Database path; a trailing .mv.db (H2's file) is dropped (env TRACKER_DB; default: "
                    + "$XDG_STATE_HOME/tracker/tracker, else ~/.local/state/tracker/tracker). For queries also a "
                    + "fleet store: postgresql://user@host:port/db or a jdbc:postgresql: URL (password from the URL, "
                    + "PGPASSWORD or ~/.pgpass).")
    Location location;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** What --db names: a database file, or a fleet store (exactly one of them). */
    record Location(Path file, FleetUrl fleet) {
    }

    /**
     * The database file.
     *
     * @throws picocli.CommandLine.ParameterException when --db names a fleet store, which only
     *     the query commands read
     */
    public Path resolve() {
        if (location != null && location.fleet() != null) {
            throw new picocli.CommandLine.ParameterException(mixee.commandLine(), "--db " + location.fleet()
                    + ": tracker " + mixee.name() + " works on a host's own database file; a fleet store is read"
                    + " by dump, history, audit, leaks, stats, ps and hosts");
        }
        return location != null ? location.file().toAbsolutePath() : defaultPath();
    }

    /** The fleet store --db names, if it names one. */
    java.util.Optional<FleetUrl> fleet() {
        return java.util.Optional.ofNullable(location == null ? null : location.fleet());
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

    /** picocli's way to {@link #of}, or to {@link FleetUrl#parse}: a bad value is a usage error naming --db. Thread-safe. */
    static final class LocationConverter implements ITypeConverter<Location> {
        @Override
        public Location convert(String text) {
            try {
                return FleetUrl.names(text) ? new Location(null, FleetUrl.parse(text, System.getenv()))
                        : new Location(of(text), null);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
