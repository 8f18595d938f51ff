package tracker.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import tracker.store.LiveRow;
import tracker.store.LiveSegments;
import tracker.store.SegmentRow;

/** Stored live sets for fixtures: per process, a snapshot of the given rows. */
public final class Segments {

    private static final AtomicLong SEQ = new AtomicLong(1);

    private Segments() {
    }

    public static List<SegmentRow> snapshotsOf(List<LiveRow> rows) {
        Map<Long, List<LiveRow>> byProcess = new LinkedHashMap<>();
        rows.forEach(row -> byProcess.computeIfAbsent(row.processId(), id -> new ArrayList<>()).add(row));
        List<SegmentRow> segments = new ArrayList<>();
        byProcess.forEach((processId, owned) ->
                segments.addAll(LiveSegments.snapshotOf(processId, SEQ::getAndIncrement, owned)));
        return segments;
    }
}
