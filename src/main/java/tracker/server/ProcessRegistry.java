package tracker.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tracker.proc.ProcessIdentity;

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

    ProcessRegistry(long nextId, String bootId) {
        this.nextId = new AtomicLong(nextId);
        this.bootId = bootId;
    }

    ProcessRecord intern(ProcessIdentity identity, long nowMicros) {
        return records.computeIfAbsent(keyOf(identity),
                key -> new ProcessRecord(nextId.getAndIncrement(), identity, bootId, nowMicros));
    }

    void restore(ProcessRecord record) {
        records.put(keyOf(record.identity), record);
    }

    /** Forgets an ended process, so that the same pid seen again is a new record. */
    void forget(ProcessRecord record) {
        records.remove(keyOf(record.identity), record);
    }

    private static Key keyOf(ProcessIdentity identity) {
        return identity.resolved()
                ? new Key(identity.pid(), identity.startTicks(), null)
                : new Key(identity.reportedPid(), -1, identity.command());
    }
}
