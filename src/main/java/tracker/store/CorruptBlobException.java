package tracker.store;

/**
 * A stored blob failed its checks: damage on disk, never something to decode. The message
 * names the blob (table and key) and what was wrong.
 */
public final class CorruptBlobException extends RuntimeException {
    public CorruptBlobException(String message) {
        super(message);
    }

    public CorruptBlobException(String message, Throwable cause) {
        super(message, cause);
    }
}
