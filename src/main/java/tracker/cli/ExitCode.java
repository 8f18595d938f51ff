package tracker.cli;

/** The documented exit codes of every command. */
public final class ExitCode {
    public static final int OK = 0;
    /** a check failed: {@code tracker leaks} found leaks */
    public static final int CHECK_FAILED = 1;
    /** bad command line or option value */
    public static final int USAGE = 2;
    /** database or daemon unavailable or unreadable; or the daemon could not start */
    public static final int UNAVAILABLE = 3;

    private ExitCode() {
    }
}
