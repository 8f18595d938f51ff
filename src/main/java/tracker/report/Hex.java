package tracker.report;

/** An unsigned 64-bit id (a device address) shown as {@code 0x...} in every format. */
public record Hex(long value) {
    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
