package tracker.log;

import java.util.Locale;

/** Number formats of the original server's output, kept so its users recognise the lines. */
public final class SeedFormat {

    private SeedFormat() {
    }

    public static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.2f MB", bytes / (1024.0 * 1024.0));
    }

    public static String kilobytes(long bytes) {
        return String.format(Locale.ROOT, "%.2f KB", bytes / 1024.0);
    }

    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
