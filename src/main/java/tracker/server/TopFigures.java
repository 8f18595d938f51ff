package tracker.server;

import java.util.List;
import java.util.Map;

/**
 * What {@code tracker top} shows, as the daemon keeps it in memory: per device and memory kind
 * the live bytes, their high-water mark since the daemon started and the capacity when it is
 * known; per process holding memory its live bytes and peak; the recent rate of events and of
 * reaps. Read on the ledger thread in a few microseconds per process, never from the database,
 * so a view refreshing every second costs the daemon next to nothing. Immutable.
 *
 * @param events            events applied since the database was created
 * @param eventsPerSecond   events applied per second over about the last second
 * @param reapsLastMinute   processes reaped (with something to audit) in the last 60 s
 * @param uptimeSeconds     how long this daemon has run: a rate over less than its window says so
 */
public record TopFigures(long capturedAtMicros, long uptimeSeconds, long events, double eventsPerSecond,
                         long reapsLastMinute, List<Group> groups, List<Holder> holders) {

    /** A capacity nobody told the daemon. */
    public static final long UNKNOWN = -1;

    public TopFigures {
        groups = List.copyOf(groups);
        holders = List.copyOf(holders);
    }

    /**
     * One device's memory of one kind and type (the groups of "Peaks" in the README).
     *
     * @param peakBytes     the most held at once since this daemon started (or what it reloaded)
     * @param capacityBytes the device's size for this kind, or {@link #UNKNOWN}
     */
    public record Group(int deviceId, String kind, String type, long liveBytes, long peakBytes, long capacityBytes) {
    }

    /**
     * A process holding memory now.
     *
     * @param pid          the host pid, or {@code ns:N} when only the pid it reported is known
     * @param liveByDevice its live bytes per device id
     * @param peakBytes    the most it held at once, all devices and kinds together
     */
    public record Holder(String pid, String command, Map<String, String> tags, long liveBytes, long peakBytes,
                         Map<Integer, Long> liveByDevice) {
        public Holder {
            tags = Map.copyOf(tags);
            liveByDevice = Map.copyOf(liveByDevice);
        }
    }
}
