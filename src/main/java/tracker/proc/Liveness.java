package tracker.proc;

/** What {@code /proc} says of a recorded process now. */
public enum Liveness {
    ALIVE,
    /** no {@code /proc/<pid>}: exited and waited for */
    EXITED,
    /** exited, its parent has not waited for it yet */
    ZOMBIE,
    /** the pid now belongs to a process with another start time */
    PID_REUSED,
    /** not resolvable to a pid of this namespace: never reaped on a guess */
    UNKNOWN
}
