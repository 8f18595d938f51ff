package tracker.store;

/** The database cannot be opened or read; the message is one line meant for a person. */
public final class DatabaseUnavailableException extends RuntimeException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
