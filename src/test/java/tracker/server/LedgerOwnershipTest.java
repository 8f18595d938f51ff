package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tracker.proc.ProcessIdentity;
import tracker.store.CommitBatch;
import tracker.store.LiveRow;
import tracker.store.LiveSetCodec;
import tracker.store.LiveKeyRow;
import tracker.store.ReapRecord;
import tracker.store.SegmentRow;
import tracker.wire.MessageType;

/**
 * The ledger's ownership rules, without sockets or files: a record belongs to the process
 * that allocated it, whoever else reports the same address.
 */
class LedgerOwnershipTest {

    private static final int DEVICE = 3;
    private static final long BUFFER = 0x1000;

    private final List<String> notices = new ArrayList<>();
    private final Ledger ledger = new Ledger(1, 1, Map.of(), Map.of(), notices::add);
    private final ProcessRecord a = process(1, 100, 0);
    private final ProcessRecord b = process(2, 200, 65534);
    private final ProcessRecord c = process(3, 300, 65534);
    private long now = 1_000;

    private static ProcessRecord process(long id, int pid, int uid) {
        return new ProcessRecord(id, new ProcessIdentity(pid, pid, 1_000 + pid, uid, "proc" + pid), "boot", 0);
    }

    private void send(MessageType type, ProcessRecord process, long bufferId, long size) {
        ledger.apply(new Event(type, DEVICE, size, 0, process, bufferId, 0, now++));
    }

    private static int refCount(ProcessRecord process, long bufferId) {
        return process.records.values().stream().filter(r -> r.key.bufferId() == bufferId)
                .mapToInt(r -> r.refCount).findFirst().orElse(0);
    }

    @Test
    void anotherProcessesAllocOfAHeldKeyIsItsOwnRecordAndCounted() {
        send(MessageType.ALLOC, a, BUFFER, 4096);
        send(MessageType.ALLOC, b, BUFFER, 1 << 20);

        assertEquals(1, refCount(a, BUFFER), "the first owner's record is untouched");
        assertEquals(1, refCount(b, BUFFER), "the second process holds a record of its own");
        assertEquals(4096 + (1 << 20), ledger.totals(DEVICE).dram(), "QUERY sums every record");
        assertEquals(2, ledger.liveRecords().size());
        assertEquals(1, ledger.ownershipConflicts());
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("pid 200") && notices.get(0).contains("pid 100"), notices.get(0));

        // the same pair again, either way round: counted, not logged again
        send(MessageType.ALLOC, b, BUFFER + 1, 64);
        send(MessageType.ALLOC, a, BUFFER + 1, 64);
        assertEquals(2, ledger.ownershipConflicts());
        assertEquals(1, notices.size(), notices.toString());
        // a third process is another pair
        send(MessageType.ALLOC, c, BUFFER, 8);
        assertEquals(3, ledger.ownershipConflicts());
        assertEquals(2, notices.size(), notices.toString());
        assertEquals(3, ledger.liveRecords().stream().filter(r -> r.key.bufferId() == BUFFER).count());
    }

    @Test
    void theSameProcessAllocatingAgainRaisesItsRefCount() {
        send(MessageType.ALLOC, a, BUFFER, 4096);
        send(MessageType.ALLOC, b, BUFFER, 4096);
        send(MessageType.ALLOC, b, BUFFER, 4096);
        send(MessageType.ALLOC, a, BUFFER, 4096);
        assertEquals(2, refCount(a, BUFFER));
        assertEquals(2, refCount(b, BUFFER));
        assertEquals(2 * 4096, ledger.totals(DEVICE).dram(), "a repeated ALLOC does not count its bytes twice");
        assertEquals(1, ledger.ownershipConflicts(), "only the first ALLOC by b met a's record");
    }

    @Test
    void aFreeTouchesOnlyTheSendersOwnRecord() {
        send(MessageType.ALLOC, a, BUFFER, 4096);
        send(MessageType.FREE, b, BUFFER, 0);
        assertEquals(1, refCount(a, BUFFER), "a FREE of a key only another process holds never touches it");
        assertEquals(1, ledger.refusedFrees());
        assertEquals(0, ledger.unknownFrees());

        send(MessageType.ALLOC, b, BUFFER, 8192);
        send(MessageType.FREE, b, BUFFER, 0);
        assertEquals(1, refCount(a, BUFFER));
        assertEquals(0, refCount(b, BUFFER));
        assertEquals(4096, ledger.totals(DEVICE).dram());

        send(MessageType.ALLOC, b, BUFFER, 8192);
        send(MessageType.FREE, a, BUFFER, 0);
        assertEquals(0, refCount(a, BUFFER), "the owner's FREE removes its own record");
        assertEquals(1, refCount(b, BUFFER), "and leaves the other's");
        assertEquals(8192, ledger.totals(DEVICE).dram());
        send(MessageType.FREE, a, BUFFER, 0);
        assertEquals(1, refCount(b, BUFFER));
        assertEquals(2, ledger.refusedFrees());
        send(MessageType.FREE, b, BUFFER, 0);
        send(MessageType.FREE, b, BUFFER, 0);
        assertEquals(1, ledger.unknownFrees(), "a FREE of a key nobody holds is unknown");
        assertEquals(0, ledger.totals(DEVICE).dram());
        assertTrue(ledger.liveRecords().isEmpty());
    }

    @Test
    void aReapTakesOnlyTheDeadProcessesRecords() {
        send(MessageType.ALLOC, a, BUFFER, 4096);
        send(MessageType.ALLOC, b, BUFFER, 1 << 20);
        send(MessageType.ALLOC, b, BUFFER + 0x10, 64);
        send(MessageType.ALLOC, c, BUFFER, 8);

        ReapRecord reap = ledger.reap(b, "EXITED", 1, now);
        assertEquals(Set.of(BUFFER, BUFFER + 0x10),
                reap.held().stream().map(LiveRow::bufferId).collect(Collectors.toSet()));
        assertEquals(1, refCount(a, BUFFER));
        assertEquals(1, refCount(c, BUFFER));
        assertEquals(4096 + 8, ledger.totals(DEVICE).dram());

        send(MessageType.FREE, c, BUFFER, 0);
        send(MessageType.FREE, a, BUFFER, 0);
        assertTrue(ledger.liveRecords().isEmpty());
        assertEquals(0, ledger.totals(DEVICE).dram());
        assertEquals(0, ledger.refusedFrees() + ledger.unknownFrees());
    }

    @Test
    void theStoredLiveSetHoldsTheSameKeyUnderEachOwner() {
        send(MessageType.ALLOC, a, BUFFER, 4096);
        send(MessageType.ALLOC, b, BUFFER, 1 << 20);
        CommitBatch first = ledger.cut();
        assertEquals(Map.of(a.id, Map.of(BUFFER, 4096L), b.id, Map.of(BUFFER, (long) (1 << 20))), stored(first));
        assertEquals(1, first.counters.get("ownership_conflicts"));

        // a restored ledger puts both back under their owners
        Ledger restored = new Ledger(1, 1, Map.of("ownership_conflicts", 1L), Map.of(), notices::add);
        ProcessRecord a2 = process(a.id, 100, 0);
        ProcessRecord b2 = process(b.id, 200, 65534);
        for (SegmentRow segment : first.segments) {
            ProcessRecord owner = segment.processId() == a.id ? a2 : b2;
            LiveSetCodec.decode(segment.data(), segment.processId(), new LiveSetCodec.Sink() {
                @Override
                public void put(LiveRow row) {
                    restored.restore(row, owner);
                }

                @Override
                public void delete(LiveKeyRow key) {
                    throw new AssertionError("a first segment deletes nothing");
                }
            });
        }
        assertEquals(4096 + (1 << 20), restored.totals(DEVICE).dram());
        restored.apply(new Event(MessageType.FREE, DEVICE, 0, 0, a2, BUFFER, 0, now++));
        assertEquals(0, a2.records.size());
        assertEquals(1, b2.records.size());
        assertEquals(1 << 20, restored.totals(DEVICE).dram());
        assertEquals(1, restored.cut().counters.get("ownership_conflicts"), "the counter goes on from its stored value");
    }

    /** Per process id: buffer id to size, as the batch's segments store them. */
    private static Map<Long, Map<Long, Long>> stored(CommitBatch batch) {
        Map<Long, Map<Long, Long>> out = new HashMap<>();
        for (SegmentRow segment : batch.segments) {
            LiveSetCodec.decode(segment.data(), segment.processId(), new LiveSetCodec.Sink() {
                @Override
                public void put(LiveRow row) {
                    out.computeIfAbsent(row.processId(), id -> new HashMap<>()).put(row.bufferId(), row.size());
                }

                @Override
                public void delete(LiveKeyRow key) {
                    throw new AssertionError("nothing deleted");
                }
            });
        }
        return out;
    }
}
