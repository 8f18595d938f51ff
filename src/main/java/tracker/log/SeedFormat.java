package tracker.log;

import java.util.Locale;

/** Number formats of the original server's output, kept so its users recognise the lines. */
public final class SeedFormat {

    private SeedFormat() {
    }

    /** Below this a size would print as "0.00 MB" (or nearly): it is given in KiB or bytes instead. */
    private static final long SMALLEST_MEGABYTES = 10_486; // 0.01 MB, rounded up

    /**
     * "403.84 MB", as the original server printed; but a size too small for two decimals of a
     * megabyte ("0.00 MB" for 4 KiB freed) in KiB, or bytes below a KiB: never zero for non-zero.
     */
    public static String megabytes(long bytes) {
        if (bytes == 0 || bytes >= SMALLEST_MEGABYTES || bytes < 0) {
            return String.format(Locale.ROOT, "%.2f MB", bytes / (1024.0 * 1024.0));
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        return String.format(Locale.ROOT, "%.2f KiB", bytes / 1024.0);
    }

    public static String kilobytes(long bytes) {
        return String.format(Locale.ROOT, "%.2f KB", bytes / 1024.0);
    }

    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
