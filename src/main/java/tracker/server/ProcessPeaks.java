package tracker.server;

import java.util.ArrayList;
import java.util.List;
import tracker.store.PeakRow;
import tracker.store.ProcessPeaksRow;

/**
 * One process's live bytes and their high-water marks: in total, and per device and slot
 * (the ledger's {@link PeakSlots}). Updated on every change of what the process holds, so
 * it costs a few array writes per event and allocates only when the process first reaches
 * a device above those it used before. Ledger thread only.
 */
final class ProcessPeaks {

    private long[] live = new long[0];
    private long[] peak = new long[0];
    private long[] peakAt = new long[0];
    private long liveTotal;
    private long peakTotal;
    private long peakTotalAt;
    /** a peak rose since the last cut: the next batch stores them */
    boolean changed;

    /** Its live bytes now, every device and kind together. */
    long liveTotal() {
        return liveTotal;
    }

    /**
     * Adds {@code bytes} (negative for a release) to what the process holds in {@code index}.
     *
     * @return true when a peak rose and the process was not marked changed yet
     */
    boolean add(int index, long bytes, long micros) {
        if (index >= live.length) {
            grow(index);
        }
        long now = live[index] += bytes;
        liveTotal += bytes;
        if (bytes <= 0) {
            return false;
        }
        boolean rose = false;
        if (now > peak[index]) {
            peak[index] = now;
            peakAt[index] = micros;
            rose = true;
        }
        if (liveTotal > peakTotal) {
            peakTotal = liveTotal;
            peakTotalAt = micros;
            rose = true;
        }
        if (rose && !changed) {
            changed = true;
            return true;
        }
        return false;
    }

    /** A record reloaded at start: held already, its peak reloaded with the process. */
    void restoreLive(int index, long bytes) {
        if (index >= live.length) {
            grow(index);
        }
        live[index] += bytes;
        liveTotal += bytes;
    }

    /** The peaks stored before a restart. */
    void restorePeaks(ProcessPeaksRow row) {
        peakTotal = row.peakBytes();
        peakTotalAt = row.peakAtMicros();
        for (PeakRow detail : row.detail()) {
            int index = PeakSlots.index(detail.deviceId(), detail.kind(), detail.type());
            if (index < 0) {
                continue;
            }
            if (index >= live.length) {
                grow(index);
            }
            peak[index] = detail.peakBytes();
            peakAt[index] = detail.peakAtMicros();
        }
    }

    ProcessPeaksRow toRow(long processId) {
        List<PeakRow> detail = new ArrayList<>();
        for (int index = 0; index < peak.length; index++) {
            if (peak[index] > 0) {
                detail.add(new PeakRow(PeakSlots.deviceOf(index), PeakSlots.kindOf(index), PeakSlots.typeOf(index),
                        peak[index], peakAt[index]));
            }
        }
        return new ProcessPeaksRow(processId, peakTotal, peakTotalAt, detail);
    }

    long peakTotal() {
        return peakTotal;
    }

    /** Live bytes per device that holds any, every kind together. */
    java.util.Map<Integer, Long> liveByDevice() {
        java.util.Map<Integer, Long> byDevice = new java.util.TreeMap<>();
        for (int index = 0; index < live.length; index++) {
            if (live[index] != 0) {
                byDevice.merge(PeakSlots.deviceOf(index), live[index], Long::sum);
            }
        }
        return byDevice;
    }

    private void grow(int index) {
        // whole devices at a time: a process uses few, and the next slot of this one is near
        int length = (index / PeakSlots.PER_DEVICE + 1) * PeakSlots.PER_DEVICE;
        live = java.util.Arrays.copyOf(live, length);
        peak = java.util.Arrays.copyOf(peak, length);
        peakAt = java.util.Arrays.copyOf(peakAt, length);
    }
}
