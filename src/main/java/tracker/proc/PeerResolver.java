package tracker.proc;

import java.util.List;

/**
 * Maps the pid a client writes in its frames to a process of the tracker's PID namespace,
 * using the connection's peer credentials (SO_PEERCRED: the connecting process, already
 * translated into our namespace by the kernel).
 *
 * <ul>
 *   <li>reported pid = peer pid: the usual case.</li>
 *   <li>the peer sits in a nested PID namespace (a container) and the last NSpid entry of
 *       the peer is the reported pid: the peer itself.</li>
 *   <li>another process of the peer's namespace whose last NSpid entry is the reported pid
 *       (a forked child writing through its parent's connection): that process.</li>
 *   <li>same namespace as ours and a pid that exists: that process (a forked child).</li>
 * </ul>
 * Anything else is unresolved and recorded as such. Thread-safe.
 */
public final class PeerResolver {

    private final ProcFs procFs;
    private final int ownNamespaceDepth;

    public PeerResolver(ProcFs procFs) {
        this.procFs = procFs;
        this.ownNamespaceDepth = Math.max(1, procFs.namespacePids(ProcFs.selfPid()).size());
    }

    /** SO_PEERCRED gives pid 0 for a peer outside the tracker's PID namespace (a sibling container, the host). */
    public static final int PEER_OUTSIDE_NAMESPACE = 0;
    /** The socket gave no credentials at all. */
    public static final int NO_PEER_CREDENTIALS = -1;

    /**
     * @param peerPid the peer's pid from SO_PEERCRED, {@link #PEER_OUTSIDE_NAMESPACE} or
     *                {@link #NO_PEER_CREDENTIALS}
     * @param peerUid the peer's uid from SO_PEERCRED, or -1
     */
    public ProcessIdentity resolve(int reportedPid, int peerPid, int peerUid) {
        if (peerPid == PEER_OUTSIDE_NAMESPACE) {
            // its pids mean nothing in our /proc: looking one up would tie records to a stranger
            return ProcessIdentity.unresolved(reportedPid, peerUid,
                    "[pid " + reportedPid + " outside the tracker's PID namespace]");
        }
        try {
            return peerPid < 0 ? identityOf(reportedPid, reportedPid, peerUid)
                    : resolveThroughPeer(reportedPid, peerPid, peerUid);
        } catch (ProcUnreadableException e) {
            return ProcessIdentity.unresolved(reportedPid, peerUid, "[pid " + reportedPid + ": " + e.getMessage() + "]");
        }
    }

    private ProcessIdentity resolveThroughPeer(int reportedPid, int peerPid, int peerUid) {
        List<Integer> peerNs = procFs.namespacePids(peerPid);
        boolean nested = peerNs.size() > ownNamespaceDepth;
        if (!nested) {
            if (reportedPid != peerPid && !mayReportFor(reportedPid, peerUid)) {
                // writing another user's pid must not make its records ours to free
                return ProcessIdentity.unresolved(reportedPid, peerUid,
                        "[pid " + reportedPid + " as reported by pid " + peerPid + " of uid " + peerUid + "]");
            }
            return identityOf(reportedPid, reportedPid, peerUid);
        }
        if (peerNs.get(peerNs.size() - 1) == reportedPid) {
            return identityOf(peerPid, reportedPid, peerUid);
        }
        int hostPid = findInNamespaceOf(peerPid, peerNs.size(), reportedPid);
        if (hostPid > 0) {
            return identityOf(hostPid, reportedPid, peerUid);
        }
        return ProcessIdentity.unresolved(reportedPid, peerUid,
                "[pid " + reportedPid + " in the PID namespace of pid " + peerPid + "]");
    }

    /** A connection may report for a process of its own user (a forked child); root for any. */
    private boolean mayReportFor(int pid, int peerUid) {
        if (peerUid == 0 || peerUid < 0) {
            return true;
        }
        int uid = procFs.uid(pid);
        return uid < 0 || uid == peerUid;
    }

    /** The host pid of {@code nsPid} in the peer's namespace; -1 when absent or ambiguous. */
    private int findInNamespaceOf(int peerPid, int depth, int nsPid) {
        String peerNamespace = procFs.pidNamespace(peerPid);
        int found = -1;
        for (int pid : procFs.allPids()) {
            List<Integer> ns = procFs.namespacePids(pid);
            if (ns.size() != depth || ns.get(depth - 1) != nsPid) {
                continue;
            }
            String namespace = procFs.pidNamespace(pid);
            if (peerNamespace != null && peerNamespace.equals(namespace)) {
                return pid;
            }
            if (peerNamespace == null || namespace == null) {
                if (found > 0) {
                    return -1; // two candidates and no way to tell their namespaces apart
                }
                found = pid;
            }
        }
        return found;
    }

    private ProcessIdentity identityOf(int pid, int reportedPid, int peerUid) {
        return procFs.stat(pid)
                .map(stat -> {
                    int uid = procFs.uid(pid);
                    return new ProcessIdentity(pid, reportedPid, stat.startTicks(), uid >= 0 ? uid : peerUid,
                            procFs.command(pid));
                })
                // already gone: known by pid only; with no start time it is reaped as exited
                .orElseGet(() -> new ProcessIdentity(pid, reportedPid, 0, peerUid, ""));
    }
}
