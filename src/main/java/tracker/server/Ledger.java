package tracker.server;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import tracker.store.ChunkRow;
import tracker.store.CommitBatch;
import tracker.store.EventChunkCodec;
import tracker.store.LiveRow;
import tracker.store.LiveSegments;
import tracker.store.LiveSetCodec;
import tracker.store.ReapRecord;
import tracker.store.SegmentRow;
import tracker.wire.DeviceTotals;
import tracker.wire.FrameCheck;
import tracker.wire.KernelType;
import tracker.wire.MemoryType;
import tracker.wire.MessageType;
import tracker.wire.RecordKind;

/**
 * The live set in memory and the changes not yet handed to the writer. Applies events in
 * the order they were read, answers QUERY from its totals, and cuts a {@link CommitBatch}
 * holding only final states: a record allocated and freed within one commit window never
 * reaches the database. Per process, the live set is stored as segments: the changes of
 * each window, and now and then a snapshot that replaces them. Not thread-safe: owned by
 * the ledger thread.
 *
 * <p>A record belongs to the process that allocated it. Another process's ALLOC of the same
 * (kind, device, address) gives that process a record of its own, and is counted as an
 * ownership conflict; a FREE applies only to the sender's own record. The records of one key
 * form a short chain whose first is in the global map (nearly always the only one), so an
 * event still costs one map lookup.
 */
final class Ledger {

    /** Events of one process per history chunk; bounds a chunk to ~200 KB. */
    static final int MAX_CHUNK_EVENTS = 16_384;
    /** History held while the database cannot be written; past it, history is dropped and counted. */
    static final long MAX_PENDING_HISTORY_BYTES = 256L << 20;
    /**
     * A process's segments may hold twice its live records plus this many entries before
     * the next change is written as a snapshot instead: reading a live set back stays
     * proportional to its size, and a small, busy live set is not rewritten every window.
     */
    static final int COMPACTION_SLACK = 4_096;

    private static final int TOTAL_SLOTS = PeakSlots.PER_DEVICE;
    private static final int CB_SLOT = PeakSlots.CB;
    private static final int KERNEL_SLOT = PeakSlots.KERNEL;

    /** per key, the first of its records (one per owner), the others chained through {@link LiveRecord#nextHolder} */
    private final Map<LiveKey, LiveRecord> live = new HashMap<>();
    private final Map<Long, ProcessRecord> processesById = new HashMap<>();
    private final long[] totals = new long[(FrameCheck.MAX_DEVICE_ID + 1) * TOTAL_SLOTS];
    /** per slot of {@link #totals}, how many live records make it up */
    private final long[] recordCounts = new long[totals.length];
    /** per reason, reaps of processes holding records since the daemon started: [reaps, bytes] */
    private final Map<String, long[]> reapsByReason = new java.util.TreeMap<>();
    private final BitSet devicesSeen = new BitSet();
    /** per slot of {@link #totals}, the most it held since this daemon started (for tracker top) */
    private final long[] highWater = new long[totals.length];
    /** per slot of {@link #totals}, its peak in the current commit window and when it was first reached */
    private final long[] windowPeaks = new long[totals.length];
    private final long[] windowPeakAt = new long[totals.length];
    /** slots whose totals changed in the current window */
    private final BitSet windowTouched = new BitSet(totals.length);
    /** the time of the current window's first change of a total, or 0 when none changed */
    private long windowStartMicros;
    /** processes whose peaks rose since the last cut */
    private final List<ProcessRecord> peaksRaised = new ArrayList<>();

    private CommitBatch batch = new CommitBatch();
    private final List<LiveRecord> dirty = new ArrayList<>();
    private final Map<ProcessRecord, EventChunkCodec.Builder> openChunks = new IdentityHashMap<>();
    private final List<ProcessRecord> touched = new ArrayList<>();
    private final List<ProcessRecord> unstored = new ArrayList<>();
    private final List<ProcessRecord> endedSinceCut = new ArrayList<>();
    private long pendingHistoryBytes;
    /** The microsecond of the last event recorded, its sender, and the rank of its events (see EventChunkCodec) */
    private long rankMicros = Long.MIN_VALUE;
    private ProcessRecord rankProcess;
    private int rank;
    private long nextChunkId;
    private long nextSegmentSeq;

    private long events;
    private long unknownFrees;
    private long refusedFrees;
    private long droppedHistoryEvents;
    private long ownershipConflicts;
    private long framesForDeadProcesses;
    private final Map<String, LongSupplier> countedElsewhere;
    private final Consumer<String> notices;

    /**
     * @param counters         the stored counters this ledger goes on from
     * @param countedElsewhere counters kept by other threads (malformed frames, say), stored with every cut
     * @param notices          where lines worth a log line go (once per pair of conflicting processes)
     */
    Ledger(long nextChunkId, long nextSegmentSeq, Map<String, Long> counters,
           Map<String, LongSupplier> countedElsewhere, Consumer<String> notices) {
        this.nextChunkId = nextChunkId;
        this.nextSegmentSeq = nextSegmentSeq;
        this.events = counters.getOrDefault("events", 0L);
        this.unknownFrees = counters.getOrDefault("unknown_frees", 0L);
        this.refusedFrees = counters.getOrDefault("refused_frees", 0L);
        this.droppedHistoryEvents = counters.getOrDefault("dropped_history_events", 0L);
        this.ownershipConflicts = counters.getOrDefault("ownership_conflicts", 0L);
        this.framesForDeadProcesses = counters.getOrDefault("frames_for_dead_processes", 0L);
        this.countedElsewhere = countedElsewhere;
        this.notices = notices;
    }

    /**
     * Loads what was committed: every owner of a live record into {@code registry}, and its
     * records here. A daemon's start does this, and so does a test's restart.
     */
    void restoreAll(tracker.store.StoredState state, ProcessRegistry registry) {
        Map<Long, ProcessRecord> owners = new HashMap<>();
        for (tracker.store.ProcessRow row : state.owners()) {
            ProcessRecord record = ProcessRecord.restored(row);
            owners.put(row.id(), record);
            registry.restore(record);
            tracker.store.ProcessPeaksRow peaks = state.peaks().get(row.id());
            if (peaks != null) {
                record.peaks.restorePeaks(peaks);
            }
        }
        for (LiveSegments.ProcessLiveSet set : state.live()) {
            ProcessRecord owner = owners.get(set.processId());
            if (owner != null) {
                for (LiveRow row : set.rows()) {
                    restore(row, owner);
                }
                owner.storedEntries = set.storedEntries();
            }
        }
    }

    /** Loads a record committed earlier: it is in the database already. */
    void restore(LiveRow row, ProcessRecord owner) {
        RecordKind kind = RecordKind.valueOf(row.kind());
        LiveKey key = new LiveKey(kind, row.deviceId(), row.bufferId());
        int slot = switch (kind) {
            case CB -> CB_SLOT;
            case KERNEL -> KERNEL_SLOT;
            case BUFFER -> MemoryType.valueOf(row.type()).code();
        };
        LiveRecord record = new LiveRecord(key, row.type(), slot, row.size(), owner, row.allocatedAtMicros());
        record.refCount = row.refCount();
        record.persisted = true;
        LiveRecord first = live.putIfAbsent(key, record);
        if (first != null) {
            record.nextHolder = first.nextHolder;
            first.nextHolder = record;
        }
        processesById.put(owner.id, owner);
        owner.records.put(key, record);
        // held already: neither a new peak of its owner's nor of the device's window
        totals[record.key.deviceId() * TOTAL_SLOTS + record.totalSlot] += record.size;
        recordCounts[record.key.deviceId() * TOTAL_SLOTS + record.totalSlot]++;
        highWater[record.key.deviceId() * TOTAL_SLOTS + record.totalSlot] = Math.max(
                highWater[record.key.deviceId() * TOTAL_SLOTS + record.totalSlot],
                totals[record.key.deviceId() * TOTAL_SLOTS + record.totalSlot]);
        owner.peaks.restoreLive(record.key.deviceId() * TOTAL_SLOTS + record.totalSlot, record.size);
        devicesSeen.set(row.deviceId());
    }

    void apply(Event event) {
        ProcessRecord process = event.process();
        events++;
        if (batch.oldestEventMicros == 0) {
            batch.oldestEventMicros = event.receivedMicros();
        }
        batch.events++;
        if (process.ended) {
            // reaped already (a connection may outlive its process, and cache it): no record may
            // outlive its owner. Counted with the events, like a history event dropped.
            framesForDeadProcesses++;
            return;
        }
        noteProcess(process, event.receivedMicros());
        MessageType type = event.type();
        LiveKey key = new LiveKey(RecordKind.of(type), event.deviceId(), event.bufferId());
        if (type.allocates()) {
            record(process, event, allocate(key, event), 0, event.bufferType(), event.size());
            return;
        }
        LiveRecord first = live.get(key);
        LiveRecord own = heldBy(first, process);
        if (own != null) {
            // the history keeps what the free released: a FREE carries neither size nor type
            long size = own.size;
            int bufferType = own.typeCode();
            record(process, event, release(own, event.receivedMicros()), EventChunkCodec.FREED_RECORD, bufferType,
                    size);
            return;
        }
        // nobody holds it, or only other processes do: theirs are never touched
        int flags = 0;
        if (first == null) {
            unknownFrees++;
            flags = EventChunkCodec.UNKNOWN_FREE;
        } else {
            refusedFrees++;
        }
        record(process, event, 0, flags, event.bufferType(), event.size());
    }

    /** The record of {@code first}'s chain that {@code process} holds, or null. */
    private static LiveRecord heldBy(LiveRecord first, ProcessRecord process) {
        for (LiveRecord record = first; record != null; record = record.nextHolder) {
            if (record.owner == process) {
                return record;
            }
        }
        return null;
    }

    private int allocate(LiveKey key, Event event) {
        devicesSeen.set(event.deviceId());
        ProcessRecord process = event.process();
        LiveRecord first = live.get(key);
        LiveRecord own = heldBy(first, process);
        if (own != null) {
            own.refCount++;
            own.refCountChanged = true;
            markDirty(own);
            return own.refCount;
        }
        String typeName;
        int slot;
        switch (key.kind()) {
            case KERNEL -> {
                typeName = KernelType.nameOf(event.bufferType());
                slot = KERNEL_SLOT;
            }
            case CB -> {
                typeName = "L1";
                slot = CB_SLOT;
            }
            default -> {
                typeName = MemoryType.ofCode(event.bufferType()).name();
                slot = event.bufferType();
            }
        }
        LiveRecord record = new LiveRecord(key, typeName, slot, event.size(), process, event.receivedMicros());
        if (first == null) {
            live.put(key, record);
        } else {
            // second in the chain: the map keeps its first, and this costs no second map write
            record.nextHolder = first.nextHolder;
            first.nextHolder = record;
            noteConflict(first.owner, process, key);
        }
        process.records.put(key, record);
        addTotal(record, record.size, event.receivedMicros());
        markDirty(record);
        return 1;
    }

    private int release(LiveRecord record, long nowMicros) {
        if (--record.refCount > 0) {
            record.refCountChanged = true;
            markDirty(record);
            return record.refCount;
        }
        remove(record, nowMicros);
        return 0;
    }

    /** Another process allocated what {@code holder} holds: counted always, said once per pair. */
    private void noteConflict(ProcessRecord holder, ProcessRecord intruder, LiveKey key) {
        ownershipConflicts++;
        if (holder.noteConflictWith(intruder)) {
            intruder.noteConflictWith(holder);
            notices.accept("pid " + intruder.displayPid() + " (uid " + intruder.identity.uid() + ") allocated "
                    + key.kind() + " 0x" + Long.toHexString(key.bufferId()) + " on device " + key.deviceId()
                    + ", which pid " + holder.displayPid() + " (uid " + holder.identity.uid()
                    + ") holds: each keeps a record of its own; later conflicts between the two are counted"
                    + " (ownership_conflicts), not logged");
        }
    }

    /** Takes {@code record} out of its key's chain; one map operation when it is the key's only record. */
    private void unlink(LiveRecord record) {
        LiveRecord first = live.remove(record.key);
        if (first != record || record.nextHolder != null) {
            LiveRecord rest = first == record ? record.nextHolder : without(first, record);
            live.put(record.key, rest);
        }
        record.nextHolder = null;
    }

    private static LiveRecord without(LiveRecord first, LiveRecord record) {
        for (LiveRecord previous = first; previous.nextHolder != null; previous = previous.nextHolder) {
            if (previous.nextHolder == record) {
                previous.nextHolder = record.nextHolder;
                break;
            }
        }
        return first;
    }

    private void remove(LiveRecord record, long nowMicros) {
        unlink(record);
        record.removed = true;
        record.owner.records.remove(record.key);
        addTotal(record, -record.size, nowMicros);
        if (record.persisted) {
            markDirty(record); // its segments must learn it is gone
        }
    }

    private void markDirty(LiveRecord record) {
        if (!record.dirty) {
            record.dirty = true;
            dirty.add(record);
        }
    }

    private void noteProcess(ProcessRecord process, long nowMicros) {
        process.lastSeenMicros = Math.max(process.lastSeenMicros, nowMicros);
        if (!process.touched) {
            process.touched = true;
            touched.add(process);
            processesById.putIfAbsent(process.id, process);
            if (!process.stored) {
                unstored.add(process);
            }
        }
    }

    /**
     * Adds the event to its process's open chunk.
     *
     * @param flags      {@link EventChunkCodec#UNKNOWN_FREE}, {@link EventChunkCodec#FREED_RECORD} or 0
     * @param bufferType what the history keeps as the event's type: the record's, for a free that released one
     * @param size       as {@code bufferType}
     */
    private void record(ProcessRecord process, Event event, int refCountAfter, int flags, int bufferType, long size) {
        if (pendingHistoryBytes > MAX_PENDING_HISTORY_BYTES) {
            droppedHistoryEvents++;
            return;
        }
        // frames of several processes in one read share their time: the rank keeps their order
        if (event.receivedMicros() != rankMicros) {
            rankMicros = event.receivedMicros();
            rankProcess = process;
            rank = 0;
        } else if (process != rankProcess) {
            rankProcess = process;
            rank++;
        }
        EventChunkCodec.Builder chunk = openChunks.computeIfAbsent(process, p -> new EventChunkCodec.Builder());
        int before = chunk.byteCount();
        chunk.add(event.receivedMicros(), rank, event.type().code(), flags, event.deviceId(), bufferType, size,
                event.bufferId(), event.clientTimestamp(), refCountAfter);
        pendingHistoryBytes += chunk.byteCount() - before;
        if (chunk.count() >= MAX_CHUNK_EVENTS) {
            sealChunk(process, chunk);
            openChunks.remove(process);
        }
    }

    private void sealChunk(ProcessRecord process, EventChunkCodec.Builder chunk) {
        batch.chunks.add(new ChunkRow(nextChunkId++, process.id,
                process.identity.resolved() ? process.identity.pid() : null,
                chunk.firstMicros(), chunk.lastMicros(), chunk.count(), chunk.toBytes()));
    }

    /**
     * Removes every live record of {@code process}, into the audit record of the current
     * batch; the writer deletes all its segments with it. The process is ended for good: frames
     * that arrive for it afterwards are counted ({@code frames_for_dead_processes}) and dropped.
     *
     * @return null when the process holds nothing
     */
    ReapRecord reap(ProcessRecord process, String reason, long reapId, long nowMicros) {
        process.forgetConflicts();
        if (process.records.isEmpty()) {
            if (!process.ended) {
                process.ended = true;
                processesById.remove(process.id);
                if (process.stored || process.touched) {
                    batch.endedEmpty.add(process.toRow());
                    batch.endedEmptyReasons.add(reason);
                    noteEnded(process);
                }
            }
            return null;
        }
        LiveRecord[] removed = new LiveRecord[process.records.size()];
        int count = 0;
        long bytes = 0;
        for (LiveRecord record : process.records.values()) {
            unlink(record);
            record.removed = true;
            addTotal(record, -record.size, nowMicros);
            removed[count++] = record;
            bytes += record.size;
        }
        long[] byReason = reapsByReason.computeIfAbsent(reason, r -> new long[2]);
        byReason[0]++;
        byReason[1] += bytes;
        List<LiveRow> held = new RemovedRecords(removed);
        process.records.clear();
        process.ended = true;
        noteEnded(process);
        noteProcess(process, process.lastSeenMicros);
        processesById.remove(process.id);
        ReapRecord reap = new ReapRecord(reapId, process.toRow(), nowMicros, reason, held);
        batch.reaps.add(reap);
        return reap;
    }

    private void noteEnded(ProcessRecord process) {
        if (!process.endedInBatch) {
            process.endedInBatch = true;
            endedSinceCut.add(process);
        }
        process.storedEntries = 0;
    }

    /**
     * Hands over the changes since the last cut and starts a new batch. Records inserted by
     * the returned batch count as persisted from now on: batches commit in order.
     */
    CommitBatch cut() {
        CommitBatch out = batch;
        for (ProcessRecord process : unstored) {
            if (!process.stored) {
                process.stored = true;
                out.newProcesses.add(process.toRow());
                process.tags.tags().forEach((key, value) -> out.newTags.add(new tracker.store.TagRow(process.id, key,
                        value)));
            }
        }
        unstored.clear();
        for (ProcessRecord process : touched) {
            process.touched = false;
            out.lastSeen.put(process.id, process.lastSeenMicros);
        }
        touched.clear();
        cutSegments(out);
        cutPeaks(out);
        openChunks.forEach(this::sealChunk);
        openChunks.clear();
        pendingHistoryBytes = 0;
        out.counters.put("events", events);
        out.counters.put("unknown_frees", unknownFrees);
        out.counters.put("refused_frees", refusedFrees);
        out.counters.put("dropped_history_events", droppedHistoryEvents);
        out.counters.put("ownership_conflicts", ownershipConflicts);
        out.counters.put("frames_for_dead_processes", framesForDeadProcesses);
        countedElsewhere.forEach((name, value) -> out.counters.put(name, value.getAsLong()));
        batch = new CommitBatch();
        return out;
    }

    /**
     * The live-set changes since the last cut, as one segment per changed process, or a
     * snapshot when its segments would otherwise outgrow its live set.
     */
    private void cutSegments(CommitBatch out) {
        Map<ProcessRecord, LiveSetCodec.Writer> deltas = new IdentityHashMap<>();
        for (LiveRecord record : dirty) {
            record.dirty = false;
            ProcessRecord owner = record.owner;
            if (owner.endedInBatch) {
                continue; // all its segments go with its end; what it holds now is written whole below
            }
            if (record.removed) {
                if (record.persisted) {
                    deltas.computeIfAbsent(owner, o -> new LiveSetCodec.Writer()).delete(record.keyRow());
                }
            } else if (!record.persisted || record.refCountChanged) {
                deltas.computeIfAbsent(owner, o -> new LiveSetCodec.Writer()).put(record.toRow());
                record.persisted = true;
                record.refCountChanged = false;
            }
        }
        dirty.clear();
        deltas.forEach((owner, delta) -> {
            if (owner.storedEntries + delta.entries() > 2L * owner.records.size() + COMPACTION_SLACK) {
                snapshot(owner, out);
            } else {
                out.segments.add(new SegmentRow(owner.id, nextSegmentSeq++, false, delta.entries(), delta.toBytes()));
                owner.storedEntries += delta.entries();
            }
        });
        for (ProcessRecord ended : endedSinceCut) {
            ended.endedInBatch = false;
            if (!ended.records.isEmpty()) {
                snapshot(ended, out);
            }
        }
        endedSinceCut.clear();
    }

    /**
     * The peaks that rose since the last cut: each such process's, and, when a total changed
     * in this window, one row per device slot that held anything in it (its peak within the
     * window and its level at the end), so that a span's peak is read from the windows in it
     * and the level it started from from the last window before it.
     */
    private void cutPeaks(CommitBatch out) {
        for (ProcessRecord process : peaksRaised) {
            process.peaks.changed = false;
            out.processPeaks.add(process.peaks.toRow(process.id));
        }
        peaksRaised.clear();
        if (windowStartMicros == 0) {
            return;
        }
        for (int device = devicesSeen.nextSetBit(0); device >= 0; device = devicesSeen.nextSetBit(device + 1)) {
            for (int index = device * TOTAL_SLOTS; index < (device + 1) * TOTAL_SLOTS; index++) {
                boolean touched = windowTouched.get(index);
                if (!touched && totals[index] == 0) {
                    continue;
                }
                long peak = touched ? windowPeaks[index] : totals[index];
                long peakAt = touched ? windowPeakAt[index] : windowStartMicros;
                if (peak == 0 && totals[index] == 0) {
                    continue;
                }
                out.devicePeaks.add(new tracker.store.DevicePeakRow(windowStartMicros, device,
                        PeakSlots.kindOf(index), PeakSlots.typeOf(index), peak, peakAt, totals[index]));
            }
        }
        windowTouched.clear();
        windowStartMicros = 0;
    }

    /** The whole live set of {@code owner}, replacing its earlier segments. */
    private void snapshot(ProcessRecord owner, CommitBatch out) {
        List<LiveRow> rows = new ArrayList<>(owner.records.size());
        for (LiveRecord record : owner.records.values()) {
            record.persisted = true;
            record.refCountChanged = false;
            rows.add(record.toRow());
        }
        out.segments.addAll(LiveSegments.snapshotOf(owner.id, () -> nextSegmentSeq++, rows));
        owner.storedEntries = rows.size();
    }

    /** History and audit older than the cutoff go with the next batch. */
    void pruneBefore(long cutoffMicros) {
        batch.pruneBeforeMicros = Math.max(batch.pruneBeforeMicros, cutoffMicros);
    }

    long oldestPendingMicros() {
        return batch.oldestEventMicros;
    }

    long pendingEvents() {
        return batch.events;
    }

    long pendingHistoryBytes() {
        return pendingHistoryBytes;
    }

    DeviceTotals totals(int deviceId) {
        if (deviceId < 0 || deviceId > FrameCheck.MAX_DEVICE_ID) {
            return DeviceTotals.EMPTY;
        }
        int base = deviceId * TOTAL_SLOTS;
        return new DeviceTotals(totals[base], totals[base + 1], totals[base + 3], totals[base + 4],
                totals[base + CB_SLOT], totals[base + KERNEL_SLOT]);
    }

    /**
     * Per device seen and group that held anything this run: its live bytes and high-water
     * mark, and its capacity from {@code capacities}. Ledger thread.
     */
    List<TopFigures.Group> groups(GroupCapacities capacities) {
        List<TopFigures.Group> groups = new ArrayList<>();
        for (int device = devicesSeen.nextSetBit(0); device >= 0; device = devicesSeen.nextSetBit(device + 1)) {
            for (int slot = 0; slot < TOTAL_SLOTS; slot++) {
                int index = device * TOTAL_SLOTS + slot;
                if (highWater[index] > 0) {
                    String kind = PeakSlots.kindOf(index);
                    String type = PeakSlots.typeOf(index);
                    groups.add(new TopFigures.Group(device, kind, type, totals[index], highWater[index],
                            capacities.capacityOf(device, kind, type)));
                }
            }
        }
        return groups;
    }

    int devicesSeen() {
        return devicesSeen.cardinality();
    }

    List<ProcessRecord> processesHoldingRecords() {
        List<ProcessRecord> holders = new ArrayList<>();
        for (ProcessRecord process : processesById.values()) {
            if (!process.records.isEmpty()) {
                holders.add(process);
            }
        }
        return holders;
    }

    ProcessRecord process(long id) {
        return processesById.get(id);
    }

    /** The live records, for dumps: every holder of every key. */
    List<LiveRecord> liveRecords() {
        List<LiveRecord> records = new ArrayList<>(live.size());
        for (LiveRecord first : live.values()) {
            for (LiveRecord record = first; record != null; record = record.nextHolder) {
                records.add(record);
            }
        }
        return records;
    }

    /**
     * The figures a metrics scrape reads, copied: per device seen, every kind and type (zeros
     * too, so that a series falls to 0 rather than vanishing); processes; the {@code topHolders}
     * processes holding the most bytes. Costs a pass over the devices seen and the processes
     * tracked: the ledger loop calls it a few times a second at most.
     */
    LiveFigures figures(int topHolders, long nowMicros) {
        List<LiveFigures.Group> groups = new ArrayList<>();
        for (int device = devicesSeen.nextSetBit(0); device >= 0; device = devicesSeen.nextSetBit(device + 1)) {
            for (int slot = 0; slot < TOTAL_SLOTS; slot++) {
                int index = device * TOTAL_SLOTS + slot;
                groups.add(new LiveFigures.Group(device, PeakSlots.kindOf(index), PeakSlots.typeOf(index),
                        recordCounts[index], totals[index]));
            }
        }
        int holding = 0;
        java.util.PriorityQueue<ProcessRecord> top = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingLong((ProcessRecord process) -> process.peaks.liveTotal()));
        for (ProcessRecord process : processesById.values()) {
            if (process.records.isEmpty()) {
                continue;
            }
            holding++;
            if (topHolders > 0) {
                top.add(process);
                if (top.size() > topHolders) {
                    top.poll();
                }
            }
        }
        List<LiveFigures.Holder> holders = new ArrayList<>();
        for (ProcessRecord process : top) {
            holders.add(new LiveFigures.Holder(process.displayPid(), process.identity.command(),
                    process.peaks.liveTotal()));
        }
        holders.sort(java.util.Comparator.comparingLong(LiveFigures.Holder::bytes).reversed());
        Map<String, LiveFigures.Reaps> reaps = new java.util.TreeMap<>();
        reapsByReason.forEach((reason, figures) -> reaps.put(reason, new LiveFigures.Reaps(figures[0], figures[1])));
        return new LiveFigures(nowMicros, List.copyOf(groups), holding, processesById.size() - holding,
                List.copyOf(holders), java.util.Collections.unmodifiableMap(reaps), unknownFrees, events);
    }

    long unknownFrees() {
        return unknownFrees;
    }

    long refusedFrees() {
        return refusedFrees;
    }

    long ownershipConflicts() {
        return ownershipConflicts;
    }

    long framesForDeadProcesses() {
        return framesForDeadProcesses;
    }

    long droppedHistoryEvents() {
        return droppedHistoryEvents;
    }

    long events() {
        return events;
    }

    /**
     * Counts a change of what {@code record}'s owner holds: in the device's totals, the
     * device's peak of this commit window, and the owner's peaks. A few array writes: this
     * runs for every ALLOC and FREE.
     */
    private void addTotal(LiveRecord record, long bytes, long nowMicros) {
        int index = record.key.deviceId() * TOTAL_SLOTS + record.totalSlot;
        long now = totals[index] += bytes;
        // called with a record's size when it is made and minus it when it goes: sizes are never 0
        recordCounts[index] += bytes > 0 ? 1 : -1;
        if (now > highWater[index]) {
            highWater[index] = now;
        }
        if (!windowTouched.get(index)) {
            // the first change in this window: the level carried in is the window's peak so far
            windowTouched.set(index);
            if (windowStartMicros == 0) {
                windowStartMicros = nowMicros;
            }
            windowPeaks[index] = now - bytes;
            windowPeakAt[index] = windowStartMicros;
        }
        if (now > windowPeaks[index]) {
            windowPeaks[index] = now;
            windowPeakAt[index] = nowMicros;
        }
        ProcessRecord owner = record.owner;
        if (owner.peaks.add(index, bytes, nowMicros)) {
            peaksRaised.add(owner);
        }
    }
}
