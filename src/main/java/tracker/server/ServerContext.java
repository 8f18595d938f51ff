package tracker.server;

import tracker.log.EventLog;
import tracker.proc.PeerResolver;
import tracker.wire.WireVersion;

/** What a connection needs from the daemon around it. Implementations are thread-safe. */
interface ServerContext {

    WireVersion wire();

    long nowMicros();

    /** Hands a list of events or a {@link LedgerTask} to the ledger; blocks while the queue is full. */
    void enqueue(Object item) throws InterruptedException;

    ServerMetrics metrics();

    EventLog log();

    PeerResolver resolver();

    ProcessRegistry registry();

    /** DUMP_REMAINING first reaps dead processes, as the original server did. */
    void reapBeforeDump();
}
