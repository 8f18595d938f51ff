package tracker.store;

/**
 * One commit window's figures for one device, kind and type, over all processes: the peak of
 * the live bytes within the window, when it was first reached, and the live bytes at the
 * window's end (the level a later span starts from).
 */
public record DevicePeakRow(long windowStartMicros, int deviceId, String kind, String type, long peakBytes,
                            long peakAtMicros, long endBytes) {
}
