package tracker.server;

/**
 * The ledger's counts of events and reaps sampled once per second over the last minute, for
 * rates ({@code tracker top}): the ledger loop notes its counters on each pass, a few array
 * writes, and nothing is done per event. Ledger thread only.
 */
final class RecentActivity {

    private static final long MICROS_PER_SECOND = 1_000_000;
    /** one more than a minute, so that the sample of 60 s ago is still held */
    private static final int SLOTS = 62;

    private final long[] second = new long[SLOTS];
    private final long[] notedAtMicros = new long[SLOTS];
    private final long[] events = new long[SLOTS];
    private final long[] reaps = new long[SLOTS];
    private final long startMicros;

    RecentActivity(long startMicros, long eventsAtStart) {
        this.startMicros = startMicros;
        java.util.Arrays.fill(second, Long.MIN_VALUE);
        note(startMicros, eventsAtStart, 0);
    }

    /** The counters as of {@code nowMicros}: the last note of a second is its sample. */
    void note(long nowMicros, long eventsTotal, long reapsTotal) {
        long now = Math.floorDiv(nowMicros, MICROS_PER_SECOND);
        int slot = Math.floorMod(now, SLOTS);
        second[slot] = now;
        notedAtMicros[slot] = nowMicros;
        events[slot] = eventsTotal;
        reaps[slot] = reapsTotal;
    }

    /** Events per second since the newest sample at least a second old (0 when there is none yet). */
    double eventsPerSecond(long nowMicros, long eventsTotal) {
        int slot = newestAtOrBefore(Math.floorDiv(nowMicros, MICROS_PER_SECOND) - 1);
        if (slot < 0 || nowMicros <= notedAtMicros[slot]) {
            return 0;
        }
        return (eventsTotal - events[slot]) * (double) MICROS_PER_SECOND / (nowMicros - notedAtMicros[slot]);
    }

    /** Reaps since the sample of 60 s ago; every reap of this run while the daemon is younger. */
    long reapsLastMinute(long nowMicros, long reapsTotal) {
        int slot = newestAtOrBefore(Math.floorDiv(nowMicros, MICROS_PER_SECOND) - 60);
        return slot < 0 ? reapsTotal : reapsTotal - reaps[slot];
    }

    long uptimeSeconds(long nowMicros) {
        return Math.max(0, (nowMicros - startMicros) / MICROS_PER_SECOND);
    }

    private int newestAtOrBefore(long wanted) {
        int best = -1;
        for (int slot = 0; slot < SLOTS; slot++) {
            if (second[slot] != Long.MIN_VALUE && second[slot] <= wanted && (best < 0 || second[slot] > second[best])) {
                best = slot;
            }
        }
        return best;
    }
}
