package tracker.store;

/**
 * A row of {@code live_segments}: live-set entries of one process (see {@link LiveSetCodec}).
 * A snapshot segment starts a full copy of the process's live set: the writer deletes the
 * process's earlier segments with it. A snapshot of nothing ({@code entries == 0}) only
 * deletes them.
 */
public record SegmentRow(long processId, long seq, boolean snapshot, int entries, byte[] data) {
}
