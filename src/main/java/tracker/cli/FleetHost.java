package tracker.cli;

import java.time.Instant;

/**
 * A host of the fleet store, as its shipper registered it.
 *
 * @param lastShipped when rows of it were last written
 * @param caughtUp    the time of the newest local state the store holds whole (the host's clock;
 *                    written at most a second apart while the host has nothing new); null from a
 *                    shipper that did not say
 */
record FleetHost(int id, String name, String machineId, Instant lastShipped, Instant caughtUp) {

    /** What its lag counts from: the time it was caught up, else its last shipment. */
    Instant shippedUpTo() {
        return caughtUp != null ? caughtUp : lastShipped;
    }

    /**
     * Process and reap ids are a host's own: the fleet store keys rows by (host, local id).
     * The query commands see them as one number, the host's id in the bits above
     * {@link #LOCAL_BITS}, so that their SQL (joins and lookups by one id) runs unchanged.
     */
    static final int LOCAL_BITS = 40;

    static int hostIdOf(long fleetId) {
        return (int) (fleetId >>> LOCAL_BITS);
    }

    static long localIdOf(long fleetId) {
        return fleetId & ((1L << LOCAL_BITS) - 1);
    }

    /** SQL for {@code hostColumn} and {@code localColumn} as one fleet id. */
    static String fleetIdSql(String hostColumn, String localColumn) {
        return "((" + hostColumn + "::BIGINT << " + LOCAL_BITS + ") + " + localColumn + ")";
    }
}
