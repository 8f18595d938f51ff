package tracker.report;

import java.util.Locale;

/** A byte count: human-readable in tables, exact in JSON and CSV. */
public record Bytes(long value) {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s", value,
                UNITS[unit]);
    }

    @Override
    public String toString() {
        return human(value);
    }
}
