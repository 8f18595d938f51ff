package tracker.cli;

import java.util.Locale;

/** Names of record kinds as users type and read them. */
final class Kinds {

    private Kinds() {
    }

    /** {@code buffer}, {@code cb} or {@code kernel} (any case) to the stored name. */
    static String parse(String text) {
        String value = text.trim().toUpperCase(Locale.ROOT);
        return switch (value) {
            case "BUFFER", "BUFFERS" -> "BUFFER";
            case "CB", "CBS" -> "CB";
            case "KERNEL", "KERNELS" -> "KERNEL";
            default -> throw new IllegalArgumentException("--kind must be buffer, cb or kernel; not '" + text + "'");
        };
    }

    static String heading(String kind, String type) {
        return switch (kind) {
            case "CB" -> "CB (" + type + ")";
            case "KERNEL" -> "KERNEL (" + type + ")";
            default -> type;
        };
    }

    static String noun(String kind, long count) {
        String noun = switch (kind) {
            case "CB" -> "CB";
            case "KERNEL" -> "kernel";
            default -> "buffer";
        };
        return count == 1 ? noun : noun + "s";
    }
}
