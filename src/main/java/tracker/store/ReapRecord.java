package tracker.store;

import java.util.List;

/**
 * An audit record: who died holding what, when it was noticed and why it counts as dead.
 * {@code held} lists the live records the reap removed.
 */
public record ReapRecord(
        long id,
        ProcessRow process,
        long reapedAtMicros,
        String reason,
        List<LiveRow> held) {

    public long count(String kind) {
        return held.stream().filter(row -> row.kind().equals(kind)).count();
    }

    public long bytes(String kind) {
        return held.stream().filter(row -> row.kind().equals(kind)).mapToLong(LiveRow::size).sum();
    }
}
