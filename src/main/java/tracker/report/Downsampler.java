package tracker.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Live bytes over a time span cut into a fixed number of buckets, per series: in each bucket
 * the lowest, highest and last level, so that a chart of any length of history keeps every
 * peak and trough while drawing a stated number of points. Also the reaps per bucket. Memory
 * is series times buckets, whatever the number of events. Exact peaks are kept beside the
 * buckets. Not thread-safe.
 */
public final class Downsampler {

    /** A series: one device's bytes of one group, named as the chart's legend names it ({@code DRAM}, {@code CB L1}). */
    public record Series(int deviceId, String label) {
        static final Comparator<Series> ORDER = Comparator.comparingInt(Series::deviceId).thenComparing(Series::label);
    }

    /** One series' buckets; arrays indexed by bucket, {@code has[b]} false where nothing changed in it. */
    public static final class Levels {
        final long[] min;
        final long[] max;
        final long[] last;
        final boolean[] has;
        long peak = Long.MIN_VALUE;
        long peakAtMicros;
        long lastLevel;
        long firstMicros = Long.MIN_VALUE;

        Levels(int buckets) {
            min = new long[buckets];
            max = new long[buckets];
            last = new long[buckets];
            has = new boolean[buckets];
        }

        /** The most held at once, and when first; exact, not bucketed. */
        public long peak() {
            return peak;
        }

        public long peakAtMicros() {
            return peakAtMicros;
        }

        /** The level at the span's end. */
        public long lastLevel() {
            return lastLevel;
        }
    }

    /** The reaps of one bucket, and the largest of them (for its label). */
    public static final class Reaps {
        int count;
        long bytes;
        long largestBytes = -1;
        String largest;

        public int count() {
            return count;
        }

        public long bytes() {
            return bytes;
        }

        public String largest() {
            return largest;
        }
    }

    private final long startMicros;
    private final long endMicros;
    private final int buckets;
    private final Map<Series, Levels> series = new TreeMap<>(Series.ORDER);
    private final Reaps[] reaps;

    /**
     * @param buckets how many points (buckets) the span is cut into
     */
    public Downsampler(long startMicros, long endMicros, int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("buckets must be at least 1: " + buckets);
        }
        this.startMicros = startMicros;
        this.endMicros = Math.max(endMicros, startMicros + 1);
        this.buckets = buckets;
        this.reaps = new Reaps[buckets];
    }

    public long startMicros() {
        return startMicros;
    }

    public long endMicros() {
        return endMicros;
    }

    public int buckets() {
        return buckets;
    }

    /** The bucket of a time in the span (times outside go to its first or last bucket). */
    public int bucketOf(long micros) {
        double share = (double) (micros - startMicros) / (endMicros - startMicros);
        return (int) Math.max(0, Math.min(buckets - 1, Math.floor(share * buckets)));
    }

    /** The time where bucket {@code b} starts ({@code b == buckets}: the span's end). */
    public long bucketStart(int b) {
        return startMicros + Math.round((double) (endMicros - startMicros) * b / buckets);
    }

    /** A series' level from {@code micros} on; calls come in time order. */
    public void level(Series key, long micros, long bytes) {
        Levels levels = series.computeIfAbsent(key, k -> new Levels(buckets));
        if (levels.firstMicros == Long.MIN_VALUE) {
            levels.firstMicros = micros;
        }
        int b = bucketOf(micros);
        if (!levels.has[b]) {
            levels.has[b] = true;
            levels.min[b] = bytes;
            levels.max[b] = bytes;
        } else {
            levels.min[b] = Math.min(levels.min[b], bytes);
            levels.max[b] = Math.max(levels.max[b], bytes);
        }
        levels.last[b] = bytes;
        levels.lastLevel = bytes;
        if (bytes > levels.peak) {
            levels.peak = bytes;
            levels.peakAtMicros = micros;
        }
    }

    /** A reap at {@code micros} that removed {@code bytes}, described by {@code label}. */
    public void reap(long micros, long bytes, String label) {
        int b = bucketOf(micros);
        Reaps bucket = reaps[b] == null ? (reaps[b] = new Reaps()) : reaps[b];
        bucket.count++;
        bucket.bytes += bytes;
        if (bytes > bucket.largestBytes) {
            bucket.largestBytes = bytes;
            bucket.largest = label;
        }
    }

    /** Every series, by device then label. */
    public Map<Series, Levels> series() {
        return series;
    }

    /** The devices that have a series, in order. */
    public List<Integer> devices() {
        List<Integer> devices = new ArrayList<>();
        for (Series key : series.keySet()) {
            if (devices.isEmpty() || devices.get(devices.size() - 1) != key.deviceId()) {
                devices.add(key.deviceId());
            }
        }
        return devices;
    }

    /** The reaps of bucket {@code b}, or null when it has none. */
    public Reaps reapsIn(int b) {
        return reaps[b];
    }
}
