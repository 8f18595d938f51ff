package tracker.log;

import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The daemon's output: one line per event that matters, for people. Never one line per
 * allocation unless verbose. Thread-safe (PrintStream is).
 */
public final class EventLog {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream out;
    private final Clock clock;
    private final boolean verbose;

    public EventLog(PrintStream out, Clock clock, boolean verbose) {
        this.out = out;
        this.clock = clock;
        this.verbose = verbose;
    }

    /**
     * A notable event, stamped with the local time: one line, whatever the message carries (a
     * client's command line may hold a newline and a forged line after it).
     */
    public void info(String message) {
        out.println(LocalTime.now(clock.withZone(ZoneId.systemDefault())).format(TIME) + " " + PrintableText.of(message));
    }

    /** Lines printed as they are: the dump boxes and reap lines users of the original server know. */
    public void verbatim(String text) {
        out.print(text.endsWith("\n") ? text : text + "\n");
        out.flush();
    }

    public boolean verbose() {
        return verbose;
    }

    /** Per-message detail, printed only with --verbose. */
    public void detail(String message) {
        if (verbose) {
            info(message);
        }
    }
}
