package tracker.wire;

/** The kernel type carried in the {@code buffer_type} byte of a KERNEL_LOAD. */
public enum KernelType {
    APPLICATION,
    FABRIC,
    DISPATCH;

    /** The name of a kernel type code; codes newer than this table are kept as numbers. */
    public static String nameOf(int code) {
        return code >= 0 && code < values().length ? values()[code].name() : "KERNEL_TYPE_" + code;
    }
}
