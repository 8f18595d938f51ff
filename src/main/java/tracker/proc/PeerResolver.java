package tracker.proc;

import java.util.List;
import java.util.Optional;

/**
 * Decides which process a frame's process_id names, in the tracker's PID namespace, using
 * the connection's peer credentials (SO_PEERCRED: the connecting process, already translated
 * into our namespace by the kernel). Any client can write any number there, so a pid is
 * believed only for a process of the peer's own user:
 *
 * <ul>
 *   <li>reported pid = peer pid, or (the peer in a nested PID namespace, a container) the
 *       last NSpid entry of the peer: the peer itself.</li>
 *   <li>another pid, mapped through the peer's namespace when it is nested, that
 *       {@code /proc} shows with the peer's uid (any uid when the peer is root): that
 *       process (a forked child writing through its parent's connection).</li>
 *   <li>any other pid (none such, or another user's): not believed; the frame is the peer's
 *       own, and {@link Resolution#mismatch()} says why.</li>
 *   <li>a peer outside our namespace (pid 0), a socket without credentials, or a nested
 *       namespace that cannot be searched (unreadable, ambiguous): unresolved, bounded by
 *       the connection and the peer (see {@link Resolution#peer()}).</li>
 * </ul>
 * Thread-safe.
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
     * What a reported pid was taken for.
     *
     * @param identity the process the frames are recorded under: the named one, the peer, or
     *                 an unresolved one
     * @param peer     for an unresolved identity, the connection's peer when it is a process
     *                 of our namespace (its death ends the unresolved process's records), else null
     * @param mismatch null when believed (or unresolved); else why the pid was not believed,
     *                 and {@code identity} is the peer's
     */
    public record Resolution(ProcessIdentity identity, ProcessIdentity peer, String mismatch) {
        static Resolution believed(ProcessIdentity identity) {
            return new Resolution(identity, null, null);
        }
    }

    /**
     * A connection's peer as {@code /proc} showed it when the connection was accepted. A client
     * may exit before its first frame is read: what was read then stays its identity (its
     * command and start time), rather than an empty command read too late.
     *
     * @param pid            the peer's pid from SO_PEERCRED, {@link #PEER_OUTSIDE_NAMESPACE} or
     *                       {@link #NO_PEER_CREDENTIALS}
     * @param uid            the peer's uid from SO_PEERCRED, or -1
     * @param identity       the peer as read at accept; null when it was gone already, or unreadable
     * @param namespacePids  its NSpid line as read at accept (empty when gone); null when unreadable
     * @param command        its command line for log lines (a placeholder when unknown)
     */
    public record Peer(int pid, int uid, ProcessIdentity identity, List<Integer> namespacePids, String command) {
    }

    /** Reads the peer of a connection being accepted: call it once, at accept. */
    public Peer peer(int peerPid, int peerUid) {
        if (peerPid == PEER_OUTSIDE_NAMESPACE) {
            return new Peer(peerPid, peerUid, null, List.of(), "outside this PID namespace");
        }
        if (peerPid < 0) {
            return new Peer(peerPid, peerUid, null, List.of(), "");
        }
        try {
            List<Integer> namespacePids = procFs.namespacePids(peerPid);
            Optional<ProcStat> stat = procFs.stat(peerPid);
            if (stat.isEmpty()) {
                return new Peer(peerPid, peerUid, null, namespacePids, "");
            }
            int uid = procFs.uid(peerPid);
            ProcessIdentity identity = new ProcessIdentity(peerPid, peerPid, stat.get().startTicks(),
                    uid >= 0 ? uid : peerUid, procFs.command(peerPid));
            return new Peer(peerPid, peerUid, identity, namespacePids, identity.command());
        } catch (ProcUnreadableException e) {
            // out of descriptors, say: the first frame reads /proc again
            return new Peer(peerPid, peerUid, null, null, "[pid " + peerPid + ": unreadable]");
        }
    }

    /** {@link #resolve(int, Peer)} with the peer read now. */
    public Resolution resolve(int reportedPid, int peerPid, int peerUid) {
        return resolve(reportedPid, peer(peerPid, peerUid));
    }

    /** @param peer the connection's peer, as read at accept */
    public Resolution resolve(int reportedPid, Peer peer) {
        int peerPid = peer.pid();
        int peerUid = peer.uid();
        if (peerPid == PEER_OUTSIDE_NAMESPACE) {
            // its pids mean nothing in our /proc: looking one up would tie records to a stranger
            return Resolution.believed(ProcessIdentity.unresolved(reportedPid, peerUid,
                    "[pid " + reportedPid + " outside the tracker's PID namespace]"));
        }
        if (peerPid < 0) {
            return Resolution.believed(ProcessIdentity.unresolved(reportedPid, peerUid,
                    "[pid " + reportedPid + " on a connection without peer credentials]"));
        }
        try {
            return resolveThroughPeer(reportedPid, peer);
        } catch (ProcUnreadableException e) {
            return new Resolution(ProcessIdentity.unresolved(reportedPid, peerUid,
                    "[pid " + reportedPid + ": " + e.getMessage() + "]"), peerIdentityOrNull(peer), null);
        }
    }

    private Resolution resolveThroughPeer(int reportedPid, Peer peer) {
        int peerPid = peer.pid();
        int peerUid = peer.uid();
        // a process never leaves its PID namespace: what accept read holds, even once the peer is gone
        List<Integer> peerNs = peer.namespacePids() != null ? peer.namespacePids() : procFs.namespacePids(peerPid);
        boolean nested = peerNs.size() > ownNamespaceDepth;
        int peerOwnPid = nested ? peerNs.get(peerNs.size() - 1) : peerPid;
        if (reportedPid == peerOwnPid) {
            return Resolution.believed(identityOf(peer, reportedPid));
        }
        if (!nested) {
            return claim(reportedPid, reportedPid, peer, peerOwnPid);
        }
        int hostPid = findInNamespaceOf(peerPid, peerNs.size(), reportedPid);
        if (hostPid == AMBIGUOUS) {
            return new Resolution(ProcessIdentity.unresolved(reportedPid, peerUid,
                    "[pid " + reportedPid + " in the PID namespace of pid " + peerPid + "]"),
                    identityOf(peer, peerOwnPid), null);
        }
        if (hostPid == ABSENT) {
            return notBelieved(peer, peerOwnPid, "which no process of its PID namespace has");
        }
        return claim(hostPid, reportedPid, peer, peerOwnPid);
    }

    /** The peer claims {@code hostPid} (reported as {@code reportedPid}): believed for its own user's process. */
    private Resolution claim(int hostPid, int reportedPid, Peer peer, int peerOwnPid) {
        Optional<ProcStat> stat = procFs.stat(hostPid);
        int uid = stat.isPresent() ? procFs.uid(hostPid) : -1;
        if (uid < 0) {
            return notBelieved(peer, peerOwnPid, "which no process has");
        }
        if (peer.uid() != 0 && uid != peer.uid()) {
            // writing another user's pid must not make its records, or its fate, the writer's
            return notBelieved(peer, peerOwnPid, "a process of uid " + uid);
        }
        return Resolution.believed(new ProcessIdentity(hostPid, reportedPid, stat.get().startTicks(), uid,
                procFs.command(hostPid)));
    }

    private Resolution notBelieved(Peer peer, int peerOwnPid, String why) {
        return new Resolution(identityOf(peer, peerOwnPid), null, why);
    }

    private ProcessIdentity peerIdentityOrNull(Peer peer) {
        try {
            return identityOf(peer, peer.pid());
        } catch (ProcUnreadableException e) {
            return null;
        }
    }

    private static final int ABSENT = -1;
    private static final int AMBIGUOUS = -2;

    /**
     * The host pid of {@code nsPid} in the peer's namespace; {@link #ABSENT} when no process
     * has it, {@link #AMBIGUOUS} when two may and their namespaces cannot be told apart.
     */
    private int findInNamespaceOf(int peerPid, int depth, int nsPid) {
        String peerNamespace = procFs.pidNamespace(peerPid);
        int found = ABSENT;
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
                    return AMBIGUOUS;
                }
                found = pid;
            }
        }
        return found;
    }

    /** The peer, as read at accept when it was readable then, else as {@code /proc} shows it now. */
    private ProcessIdentity identityOf(Peer peer, int reportedPid) {
        ProcessIdentity atAccept = peer.identity();
        if (atAccept != null) {
            return new ProcessIdentity(atAccept.pid(), reportedPid, atAccept.startTicks(), atAccept.uid(),
                    atAccept.command());
        }
        return identityOf(peer.pid(), reportedPid, peer.uid());
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
