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

    /** Counts and bytes per kind, in one pass over {@link #held}: callers take it once. */
    public KindTotals kindTotals() {
        java.util.Map<String, long[]> totals = new java.util.HashMap<>();
        for (LiveRow row : held) {
            long[] total = totals.computeIfAbsent(row.kind(), kind -> new long[2]);
            total[0]++;
            total[1] += row.size();
        }
        return new KindTotals(totals);
    }

    /** Per kind name (BUFFER, CB, KERNEL): records and bytes. */
    public record KindTotals(java.util.Map<String, long[]> byKind) {
        public long count(String kind) {
            long[] total = byKind.get(kind);
            return total == null ? 0 : total[0];
        }

        public long bytes(String kind) {
            long[] total = byKind.get(kind);
            return total == null ? 0 : total[1];
        }
    }
}
