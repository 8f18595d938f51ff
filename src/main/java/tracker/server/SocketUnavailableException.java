package tracker.server;

/** The daemon cannot listen where it was asked to: the message names the path and why. */
public class SocketUnavailableException extends RuntimeException {
    public SocketUnavailableException(String message) {
        super(message);
    }
}
