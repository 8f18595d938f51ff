package tracker.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything one group commit writes, in one transaction. Built by the daemon's ledger,
 * written by {@link StoreWriter}. Not thread-safe; handed over whole.
 *
 * <p>Live-set changes are final states, as segments per process: a record allocated and
 * freed within the window appears in none.
 */
public final class CommitBatch {
    public final List<ProcessRow> newProcesses = new ArrayList<>();
    /** the tags of {@link #newProcesses} */
    public final List<TagRow> newTags = new ArrayList<>();
    /** process id to last-seen micros */
    public final Map<Long, Long> lastSeen = new java.util.HashMap<>();
    /** written after the reaps: a process reaped in this batch has only a snapshot of what came after */
    public final List<SegmentRow> segments = new ArrayList<>();
    public final List<ChunkRow> chunks = new ArrayList<>();
    /** the processes whose peaks rose, with all their peaks; written before the reaps, which copy them */
    public final List<ProcessPeaksRow> processPeaks = new ArrayList<>();
    /** per device slot that held anything, the window's peak and end level; empty when no total changed */
    public final List<DevicePeakRow> devicePeaks = new ArrayList<>();
    /** each removes every segment its process had, with the audit of what it held */
    public final List<ReapRecord> reaps = new ArrayList<>();
    /** processes found dead holding nothing: their end is recorded, their segments deleted */
    public final List<ProcessRow> endedEmpty = new ArrayList<>();
    /** reasons for {@link #endedEmpty}, same order */
    public final List<String> endedEmptyReasons = new ArrayList<>();
    /** history and audit older than this go, when positive (epoch micros) */
    public long pruneBeforeMicros;
    /** set by the writer when it pruned */
    public PruneResult pruneResult;
    /** absolute values of the {@code counters} table */
    public final Map<String, Long> counters = new java.util.HashMap<>();
    /** run by the writer once the batch is committed */
    public final List<Runnable> onCommit = new ArrayList<>();
    /** events in this batch; for the commit figures */
    public long events;
    /** receive time of the oldest event in this batch, or 0 */
    public long oldestEventMicros;

    public boolean isEmpty() {
        return newProcesses.isEmpty() && lastSeen.isEmpty() && segments.isEmpty() && chunks.isEmpty()
                && reaps.isEmpty() && events == 0 && processPeaks.isEmpty() && devicePeaks.isEmpty() && endedEmpty.isEmpty() && pruneBeforeMicros == 0;
    }
}
