package tracker.store;

/** The high-water mark of the live bytes of one device, kind and type, and when it was first reached. */
public record PeakRow(int deviceId, String kind, String type, long peakBytes, long peakAtMicros) {
}
