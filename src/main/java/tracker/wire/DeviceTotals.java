package tracker.wire;

/** Live bytes on one device, per memory kind, as a RESPONSE frame carries them. */
public record DeviceTotals(long dram, long l1, long l1Small, long trace, long cb, long kernel) {
    public static final DeviceTotals EMPTY = new DeviceTotals(0, 0, 0, 0, 0, 0);
}
