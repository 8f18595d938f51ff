package tracker.store;

/** A write to the database failed; the message names the deepest cause (a full disk, say). */
public final class StorageException extends RuntimeException {
    public StorageException(java.sql.SQLException cause) {
        super(describe(cause), cause);
    }

    private static String describe(Throwable error) {
        String message = firstLine(error);
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            String deeper = firstLine(cause);
            if (!deeper.isEmpty()) {
                message = deeper;
            }
        }
        return message;
    }

    private static String firstLine(Throwable error) {
        return error.getMessage() == null ? "" : error.getMessage().lines().findFirst().orElse("");
    }
}
