package tracker.wire;

/** The kernel type carried in the {@code buffer_type} byte of a KERNEL_LOAD. */
public enum KernelType {
    APPLICATION,
    FABRIC,
    DISPATCH;

    /** The name of a kernel type code; codes newer than this table are kept as numbers. */
    public static String nameOf(int code) {
        return code >= 0 && code < values().length ? values()[code].name() : UNNAMED + code;
    }

    /** The code {@link #nameOf} named, or -1 for a name it never gives. */
    public static int codeOf(String name) {
        if (name.startsWith(UNNAMED)) {
            try {
                return Integer.parseInt(name.substring(UNNAMED.length()));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        for (KernelType type : values()) {
            if (type.name().equals(name)) {
                return type.ordinal();
            }
        }
        return -1;
    }

    private static final String UNNAMED = "KERNEL_TYPE_";
}
