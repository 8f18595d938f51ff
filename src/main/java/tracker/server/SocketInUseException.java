package tracker.server;

/** Another daemon answers on the socket path: this one must not steal it. */
public final class SocketInUseException extends SocketUnavailableException {
    public SocketInUseException(String message) {
        super(message);
    }
}
