package tracker.store;

/**
 * A text {@code tracker sql} will not run: not one read-only query, or a call the daemon
 * cannot bound. The message is one line saying what was refused. A usage error (exit 2).
 */
public final class RefusedQueryException extends IllegalArgumentException {
    public RefusedQueryException(String message) {
        super(message);
    }
}
