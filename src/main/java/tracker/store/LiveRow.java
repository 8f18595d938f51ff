package tracker.store;

/** A row of the live set ({@code allocations}), or of {@code reaped_allocations}. */
public record LiveRow(
        String kind,
        int deviceId,
        long bufferId,
        String type,
        long size,
        int refCount,
        long processId,
        long allocatedAtMicros) {
}
