package tracker.server;

/** The database file is older than what the daemon last committed to it: the message says what was found. */
public final class RolledBackDatabaseException extends RuntimeException {
    public RolledBackDatabaseException(String message) {
        super(message);
    }
}
