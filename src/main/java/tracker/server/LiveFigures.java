package tracker.server;

import java.util.List;
import java.util.Map;

/**
 * A copy of the ledger's figures, published by the ledger thread a few times a second for
 * readers on other threads (a metrics scrape): reading it takes no lock and waits for nothing.
 * Immutable.
 *
 * @param atMicros         when the ledger made it
 * @param groups           live records and bytes per device seen, kind and type
 * @param processesHolding tracked processes holding records
 * @param processesIdle    tracked processes holding none (connected, or not yet found dead)
 * @param topHolders       the processes holding the most bytes, most first
 * @param reaps            per reason, reaps of processes holding records since the daemon started
 * @param unknownFrees     FREEs of keys nobody held, as the stored counter
 * @param events           events applied, as the stored counter
 */
public record LiveFigures(long atMicros, List<Group> groups, int processesHolding, int processesIdle,
                          List<Holder> topHolders, Map<String, Reaps> reaps, long unknownFrees, long events) {

    /** How many processes {@link #topHolders} names at most: a bound on the metrics' series. */
    public static final int TOP_HOLDERS = 10;

    /** Before the ledger published anything. */
    static final LiveFigures NONE = new LiveFigures(0, List.of(), 0, 0, List.of(), Map.of(), 0, 0);

    /** One device, kind and type: kind BUFFER with its memory type, CB (type L1) or KERNEL (type ALL). */
    public record Group(int deviceId, String kind, String type, long records, long bytes) {
    }

    public record Holder(int pid, String command, long bytes) {
    }

    public record Reaps(long count, long bytes) {
    }
}
