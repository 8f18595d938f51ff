package tracker.store;

/** A write to the database failed; the message names the cause (disk full, say). */
public final class StorageException extends RuntimeException {
    public StorageException(java.sql.SQLException cause) {
        super(cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse(""), cause);
    }
}
