package tracker.proc;

/**
 * Tells whether a recorded process still lives. Liveness comes from {@code /proc}, never
 * from {@code kill(pid, 0)}: that call fails with EPERM for another user's live process and
 * succeeds for a zombie. Thread-safe.
 */
public final class ProcessProbe {

    private final ProcFs procFs;
    private final String bootId;

    public ProcessProbe(ProcFs procFs) {
        this.procFs = procFs;
        this.bootId = procFs.bootId();
    }

    /** The id of the running boot, recorded with every process. */
    public String bootId() {
        return bootId;
    }

    /**
     * @param recordedBootId the boot the process was seen in: a process of an earlier boot is
     *                       dead whatever now runs under its pid
     */
    public Liveness probe(int pid, long startTicks, String recordedBootId) {
        if (pid <= 0 || startTicks < 0) {
            return Liveness.UNKNOWN;
        }
        if (recordedBootId != null && !recordedBootId.equals(bootId)) {
            return Liveness.EXITED;
        }
        try {
            return procFs.stat(pid)
                    .map(stat -> stat.startTicks() != startTicks ? Liveness.PID_REUSED
                            : stat.exited() && !procFs.hasLiveThread(pid) ? Liveness.ZOMBIE : Liveness.ALIVE)
                    .orElse(Liveness.EXITED);
        } catch (ProcUnreadableException e) {
            // out of descriptors, say: ask again at the next pass rather than guess
            return Liveness.UNKNOWN;
        }
    }
}
