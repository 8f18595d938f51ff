package tracker.proc;

/**
 * Who a client process is, in the tracker's PID namespace.
 *
 * @param pid        the pid in the tracker's namespace, or {@link #UNRESOLVED} when it could
 *                   not be established (such a process is never judged by {@code /proc}: its
 *                   records go once the connections that reported it have closed and their
 *                   peer, when known, has died)
 * @param reportedPid the pid the client wrote in its frames (its own namespace's view)
 * @param startTicks field 22 of its stat file, or -1 when unresolved
 * @param uid        its real uid, or -1 when unknown
 * @param command    its command line, spaces between arguments
 */
public record ProcessIdentity(int pid, int reportedPid, long startTicks, int uid, String command) {

    public static final int UNRESOLVED = -1;

    public boolean resolved() {
        return pid != UNRESOLVED;
    }

    public static ProcessIdentity unresolved(int reportedPid, int uid, String why) {
        return new ProcessIdentity(UNRESOLVED, reportedPid, -1, uid, why);
    }
}
