package tracker.reaper;

import tracker.proc.Liveness;

/** Why a process counts as dead; stored in {@code reaps.reason}. */
public enum ReapReason {
    EXITED,
    ZOMBIE,
    PID_REUSED,
    /** found dead when the daemon started: it died while no daemon ran */
    DEAD_AT_STARTUP,
    /**
     * an unresolved process (its pid means nothing in the tracker's PID namespace): the
     * connections that reported it have closed and their peer, when known, has died
     */
    CONNECTION_CLOSED;

    static ReapReason of(Liveness liveness) {
        return switch (liveness) {
            case EXITED -> EXITED;
            case ZOMBIE -> ZOMBIE;
            case PID_REUSED -> PID_REUSED;
            default -> throw new IllegalArgumentException(liveness + " is not dead");
        };
    }
}
