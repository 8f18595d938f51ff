package tracker.proc;

import java.io.IOException;
import java.nio.file.Path;

/** A file of /proc could not be read for a reason other than the process being gone. */
public final class ProcUnreadableException extends RuntimeException {
    public ProcUnreadableException(Path file, IOException cause) {
        super("cannot read " + file + ": " + cause.getMessage(), cause);
    }
}
