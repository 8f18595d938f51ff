package tracker.testing;

/**
 * One live record as a client reported it, or as the database holds it in
 * {@code allocations} or {@code reaped_allocations}: the fields both sides can compare.
 */
public record HeldRow(String kind, int deviceId, long bufferId, String type, long size, int refCount) {
}
