package tracker.proc;

/**
 * The two fields of {@code /proc/<pid>/stat} that identify and qualify a process.
 *
 * @param state      field 3: R, S, D, Z (zombie), X (dead), ...
 * @param startTicks field 22: start time in clock ticks since boot; with the pid (and the
 *                   boot) it names one process, so a reused pid is a different process
 */
public record ProcStat(char state, long startTicks) {

    /** An exited process that its parent has not waited for yet still has a stat file. */
    public boolean exited() {
        return state == 'Z' || state == 'X';
    }
}
