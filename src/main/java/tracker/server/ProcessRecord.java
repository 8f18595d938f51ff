package tracker.server;

import tracker.proc.ProcessIdentity;
import tracker.store.ProcessRow;

/**
 * A client process as the daemon tracks it. The identity is fixed at creation and may be
 * read by any thread; the other fields belong to the ledger thread.
 */
final class ProcessRecord {
    final long id;
    final ProcessIdentity identity;
    final String bootId;
    final long firstSeenMicros;
    /**
     * For an unresolved process: the connection's peer when it is a process of our namespace
     * (its records live no longer than it does), else null.
     */
    final ProcessIdentity peer;
    /** read from its environment at first sight; stored with its row */
    final tracker.proc.ProcessTags tags;
    /**
     * For an unresolved process, the open connections that reported for it: {@code /proc} cannot
     * judge it, so it lives while one of them is open (and then while its peer lives). A
     * resolved process is dead when {@code /proc} says so, whoever holds its connection.
     */
    final java.util.concurrent.atomic.AtomicInteger openConnections = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Its own connections (it is their peer) whose every frame has not yet reached the ledger:
     * one more at its first frame on a connection (before that frame is queued), one less when
     * the ledger takes the task the connection queues after its last frames. While it is
     * above zero, the frames a dead process sent last (its frees) may still be on their way.
     */
    final java.util.concurrent.atomic.AtomicInteger undrainedConnections = new java.util.concurrent.atomic.AtomicInteger();

    // ledger thread only
    long lastSeenMicros;
    boolean stored;
    boolean touched;
    /** its live records, by key */
    final java.util.Map<LiveKey, LiveRecord> records = new java.util.HashMap<>();
    /** its live bytes and their high-water marks */
    final ProcessPeaks peaks = new ProcessPeaks();
    /** entries in its stored segments since its last snapshot, written or handed to the writer */
    long storedEntries;
    /**
     * reaped, or found dead holding nothing: for good. Frames that still arrive for it (a child
     * writing in its name on a connection it left open) are counted and dropped. Written by the
     * ledger thread; volatile because a connection that cached the record reads it to look its
     * pid up again.
     */
    volatile boolean ended;
    /** ledger thread: when a reap of it was first put off for its undrained connections (nanoTime); 0 = never */
    long reapPutOffSinceNanos;
    /** reaped or ended since the last cut: the next batch deletes all its segments */
    boolean endedInBatch;
    /** processes it has allocated a key of, or that allocated one of its keys, already logged; null when none */
    private java.util.Set<ProcessRecord> conflictsLogged;

    ProcessRecord(long id, ProcessIdentity identity, String bootId, long firstSeenMicros) {
        this(id, identity, null, bootId, firstSeenMicros);
    }

    ProcessRecord(long id, ProcessIdentity identity, ProcessIdentity peer, String bootId, long firstSeenMicros) {
        this(id, identity, peer, bootId, firstSeenMicros, tracker.proc.ProcessTags.NONE);
    }

    ProcessRecord(long id, ProcessIdentity identity, ProcessIdentity peer, String bootId, long firstSeenMicros,
                  tracker.proc.ProcessTags tags) {
        this.id = id;
        this.tags = tags;
        this.identity = identity;
        this.peer = peer;
        this.bootId = bootId;
        this.firstSeenMicros = firstSeenMicros;
        this.lastSeenMicros = firstSeenMicros;
    }

    /** Records an ownership conflict with {@code other}; true the first time for this pair. Ledger thread. */
    boolean noteConflictWith(ProcessRecord other) {
        if (conflictsLogged == null) {
            conflictsLogged = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        }
        return conflictsLogged.add(other);
    }

    /** An ended process: the others forget it, so that no set outgrows the processes alive. Ledger thread. */
    void forgetConflicts() {
        if (conflictsLogged != null) {
            for (ProcessRecord other : conflictsLogged) {
                if (other.conflictsLogged != null) {
                    other.conflictsLogged.remove(this);
                }
            }
            conflictsLogged = null;
        }
    }

    static ProcessRecord restored(ProcessRow row) {
        ProcessIdentity identity = new ProcessIdentity(row.pid() == null ? ProcessIdentity.UNRESOLVED : row.pid(),
                row.reportedPid(), row.startTicks() == null ? -1 : row.startTicks(),
                row.uid() == null ? -1 : row.uid(), row.command());
        ProcessRecord record = new ProcessRecord(row.id(), identity, row.bootId(), row.firstSeenMicros());
        record.lastSeenMicros = row.lastSeenMicros();
        record.stored = true;
        return record;
    }

    ProcessRow toRow() {
        return new ProcessRow(id, identity.resolved() ? identity.pid() : null, identity.reportedPid(),
                identity.resolved() ? identity.startTicks() : null, bootId,
                identity.uid() >= 0 ? identity.uid() : null, identity.command(), firstSeenMicros, lastSeenMicros);
    }

    /** A row built from the immutable fields only: safe on any thread. */
    ProcessRow identityRow() {
        return new ProcessRow(id, identity.resolved() ? identity.pid() : null, identity.reportedPid(),
                identity.resolved() ? identity.startTicks() : null, bootId,
                identity.uid() >= 0 ? identity.uid() : null, identity.command(), firstSeenMicros, firstSeenMicros);
    }

    /**
     * The row the reaper judges this process by. A resolved process is judged by itself. An
     * unresolved one cannot be (its pid means nothing in our {@code /proc}): while a
     * connection keeps it, or when its peer is unknown, its row has no pid and is never found
     * dead; once its connections have closed, it is judged by its peer's life, under its own id.
     */
    tracker.store.ProcessRow livenessRow() {
        if (identity.resolved() || peer == null || openConnections.get() > 0) {
            return identityRow();
        }
        return new ProcessRow(id, peer.pid(), identity.reportedPid(), peer.startTicks(), bootId,
                identity.uid() >= 0 ? identity.uid() : null, identity.command(), firstSeenMicros, firstSeenMicros);
    }

    /** Unresolved, with no connection left to keep it and no peer to outlive: nothing will ever say it lives. */
    boolean orphaned() {
        return !identity.resolved() && peer == null && openConnections.get() == 0;
    }

    /** The pid to show: ours when resolved, else the one the client reported. */
    int displayPid() {
        return identity.resolved() ? identity.pid() : identity.reportedPid();
    }
}
