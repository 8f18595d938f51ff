package tracker.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;
import tracker.proc.ProcessIdentity;
import tracker.proc.ProcessTags;

/**
 * One {@link ProcessRecord} per process identity, shared by every connection: a process
 * that reconnects, or writes through several sockets, is one record. Thread-safe.
 */
final class ProcessRegistry {

    private record Key(int pid, long startTicks, String unresolvedName) {
    }

    private final ConcurrentHashMap<Key, ProcessRecord> records = new ConcurrentHashMap<>();
    private final AtomicLong nextId;
    private final String bootId;
    /** read once per process, when its record is made: never on the path of its frames */
    private final Function<ProcessIdentity, ProcessTags> tagsOf;

    /** A registry whose processes have no tags. */
    ProcessRegistry(long nextId, String bootId) {
        this(nextId, bootId, identity -> ProcessTags.NONE);
    }

    ProcessRegistry(long nextId, String bootId, Function<ProcessIdentity, ProcessTags> tagsOf) {
        this.nextId = new AtomicLong(nextId);
        this.bootId = bootId;
        this.tagsOf = tagsOf;
    }

    /** The record of a resolved process, made on first sight, with the tags of its environment. */
    ProcessRecord intern(ProcessIdentity identity, long nowMicros) {
        return records.computeIfAbsent(keyOf(identity, null, 0),
                key -> new ProcessRecord(nextId.getAndIncrement(), identity, null, bootId, nowMicros,
                        tagsOf.apply(identity)));
    }

    /**
     * The record of an unresolved process. Two peers may report the same pid of two different
     * namespaces: it is one process only for one peer (when the peer is a process of ours) or
     * one connection (when it is not).
     */
    ProcessRecord internUnresolved(ProcessIdentity identity, ProcessIdentity peer, long connection, long nowMicros) {
        return records.computeIfAbsent(keyOf(identity, peer, connection),
                key -> new ProcessRecord(nextId.getAndIncrement(), identity, peer, bootId, nowMicros));
    }

    void restore(ProcessRecord record) {
        records.put(keyOf(record), record);
    }

    /** Forgets an ended process, so that the same pid seen again is a new record. */
    void forget(ProcessRecord record) {
        records.remove(keyOf(record), record);
    }

    private static Key keyOf(ProcessRecord record) {
        // a restored unresolved process has lost its connection: nothing reports for it again
        return record.identity.resolved() ? keyOf(record.identity, null, 0)
                : record.peer == null ? new Key(record.identity.reportedPid(), -1, "restored " + record.id)
                : keyOf(record.identity, record.peer, 0);
    }

    private static Key keyOf(ProcessIdentity identity, ProcessIdentity peer, long connection) {
        if (identity.resolved()) {
            return new Key(identity.pid(), identity.startTicks(), null);
        }
        String scope = peer != null ? "peer " + peer.pid() + "/" + peer.startTicks() : "connection " + connection;
        return new Key(identity.reportedPid(), -1, identity.command() + " of " + scope);
    }
}
