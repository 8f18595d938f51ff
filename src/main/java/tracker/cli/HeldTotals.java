package tracker.cli;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import tracker.report.Bytes;
import tracker.store.ReapRecord;

/**
 * What one process holds, or held when it was reaped: records and bytes per kind. The fields
 * audit, leaks, ps and reap give for it, under the same names and meanings in every format:
 * {@code buffer_bytes} is always the buffers' bytes, {@code total_bytes} always every kind's.
 */
record HeldTotals(long buffers, long cbs, long kernels, long bufferBytes, long cbBytes, long kernelBytes) {

    static final HeldTotals NONE = new HeldTotals(0, 0, 0, 0, 0, 0);

    /** In JSON and CSV, in this order; tables show the counts and total_bytes, to fit a terminal. */
    static final List<String> FIELDS = List.of("buffers", "cbs", "kernels", "buffer_bytes", "cb_bytes",
            "kernel_bytes", "total_bytes");

    long totalBytes() {
        return bufferBytes + cbBytes + kernelBytes;
    }

    /** A command's fields: {@code before}, then {@link #FIELDS}, then {@code after}. */
    static List<String> between(List<String> before, List<String> after) {
        List<String> fields = new ArrayList<>(before);
        fields.addAll(FIELDS);
        fields.addAll(after);
        return List.copyOf(fields);
    }

    /** A row of such fields: {@code before}, then these totals' cells, then {@code after}. */
    Object[] between(Object[] before, Object... after) {
        Object[] cells = {buffers, cbs, kernels, new Bytes(bufferBytes), new Bytes(cbBytes), new Bytes(kernelBytes),
                new Bytes(totalBytes())};
        Object[] row = new Object[before.length + cells.length + after.length];
        System.arraycopy(before, 0, row, 0, before.length);
        System.arraycopy(cells, 0, row, before.length, cells.length);
        System.arraycopy(after, 0, row, before.length + cells.length, after.length);
        return row;
    }

    static HeldTotals of(ReapRecord.KindTotals totals) {
        return new HeldTotals(totals.count("BUFFER"), totals.count("CB"), totals.count("KERNEL"),
                totals.bytes("BUFFER"), totals.bytes("CB"), totals.bytes("KERNEL"));
    }

    /** From a row of the {@code reaps} table. */
    static HeldTotals ofReap(ResultSet reap) throws SQLException {
        return new HeldTotals(reap.getLong("buffers"), reap.getLong("cbs"), reap.getLong("kernels"),
                reap.getLong("buffer_bytes"), reap.getLong("cb_bytes"), reap.getLong("kernel_bytes"));
    }

    /** Adds up live records one at a time. Not thread-safe. */
    static final class Tally {
        private final long[] counts = new long[3];
        private final long[] bytes = new long[3];

        void add(String kind, long size) {
            int k = switch (kind) {
                case "BUFFER" -> 0;
                case "CB" -> 1;
                default -> 2;
            };
            counts[k]++;
            bytes[k] += size;
        }

        HeldTotals totals() {
            return new HeldTotals(counts[0], counts[1], counts[2], bytes[0], bytes[1], bytes[2]);
        }
    }
}
