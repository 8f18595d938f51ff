package tracker.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --db PATH}, shared by every command that reads or writes the database. */
public final class DatabaseOption {

    @Option(names = "--db", paramLabel = "PATH",
            description = "Database path, without H2's .mv.db suffix (env TRACKER_DB; default: "
                    + "$XDG_STATE_HOME/tracker/tracker, else ~/.local/state/tracker/tracker).")
    Path database;

    public Path resolve() {
        return database != null ? database.toAbsolutePath() : defaultPath();
    }

    /** Never under /tmp: the records must survive a reboot. */
    public static Path defaultPath() {
        String explicit = System.getenv("TRACKER_DB");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("tracker").resolve("tracker").toAbsolutePath();
    }
}
