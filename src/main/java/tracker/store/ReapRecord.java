package tracker.store;

import java.util.List;

/**
 * An audit record: who died holding what, when it was noticed and why it counts as dead.
 * {@code held} lists the live rows the reap removed; {@code notStored} those of them that
 * had no row in {@code allocations} yet (allocated within the open commit window).
 */
public record ReapRecord(
        long id,
        ProcessRow process,
        long reapedAtMicros,
        String reason,
        List<LiveRow> held,
        List<LiveRow> notStored) {

    /** A reap of rows that are all in the database. */
    public ReapRecord(long id, ProcessRow process, long reapedAtMicros, String reason, List<LiveRow> held) {
        this(id, process, reapedAtMicros, reason, held, List.of());
    }

    public long count(String kind) {
        return held.stream().filter(row -> row.kind().equals(kind)).count();
    }

    public long bytes(String kind) {
        return held.stream().filter(row -> row.kind().equals(kind)).mapToLong(LiveRow::size).sum();
    }
}
