package tracker.reaper;

import tracker.proc.Liveness;

/** Why a process counts as dead; stored in {@code reaps.reason}. */
public enum ReapReason {
    EXITED,
    ZOMBIE,
    PID_REUSED,
    /** found dead when the daemon started: it died while no daemon ran */
    DEAD_AT_STARTUP;

    static ReapReason of(Liveness liveness) {
        return switch (liveness) {
            case EXITED -> EXITED;
            case ZOMBIE -> ZOMBIE;
            case PID_REUSED -> PID_REUSED;
            default -> throw new IllegalArgumentException(liveness + " is not dead");
        };
    }
}
