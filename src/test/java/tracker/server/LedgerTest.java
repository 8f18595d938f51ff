package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tracker.proc.ProcessIdentity;
import tracker.store.CommitBatch;
import tracker.wire.MessageType;

/** The ledger alone (it does no I/O): a reaped process stays ended. */
class LedgerTest {

    private final Ledger ledger = new Ledger(1, 1, Map.of(), Map.of(), line -> { });
    private final ProcessRecord a = new ProcessRecord(1, new ProcessIdentity(100, 100, 1, 0, "a"), "boot", 0);
    private long now = 1_000;

    private void send(MessageType type, ProcessRecord process, long bufferId, long size) {
        ledger.apply(new Event(type, 0, size, 0, process, bufferId, 0, now++));
    }

    @Test
    void framesForAReapedProcessAreCountedAndNeverGivenRecords() {
        send(MessageType.ALLOC, a, 0x1000, 4096);
        assertEquals(1, ledger.reap(a, "EXITED", 1, now).held().size());

        send(MessageType.ALLOC, a, 0x2000, 8192);
        send(MessageType.FREE, a, 0x1000, 0);

        assertTrue(ledger.liveRecords().isEmpty());
        assertEquals(0, ledger.totals(0).dram());
        assertNull(ledger.process(a.id), "an ended process is not brought back by a late frame");
        assertTrue(ledger.processesHoldingRecords().isEmpty());
        assertEquals(2, ledger.framesForDeadProcesses());
        assertEquals(0, ledger.unknownFrees(), "a dropped FREE is not an unknown free");
        CommitBatch batch = ledger.cut();
        assertEquals(2, batch.counters.get("frames_for_dead_processes"));
        assertEquals(3, batch.counters.get("events"), "every event received is counted");
        assertTrue(batch.segments.isEmpty(), "nothing stored for the dead process");
    }

    @Test
    void aProcessFoundDeadHoldingNothingIsEndedToo() {
        send(MessageType.ALLOC, a, 0x1000, 4096);
        send(MessageType.FREE, a, 0x1000, 0);
        assertNull(ledger.reap(a, "EXITED", 1, now));
        send(MessageType.ALLOC, a, 0x3000, 64);
        assertTrue(ledger.liveRecords().isEmpty());
        assertEquals(1, ledger.framesForDeadProcesses());
    }

    @Test
    void theCounterGoesOnFromItsStoredValue() {
        Ledger restored = new Ledger(1, 1, Map.of("frames_for_dead_processes", 7L), Map.of(), line -> { });
        assertEquals(7, restored.framesForDeadProcesses());
        assertEquals(7, restored.cut().counters.get("frames_for_dead_processes"));
    }
}
