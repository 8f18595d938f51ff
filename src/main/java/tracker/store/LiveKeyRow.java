package tracker.store;

/** The primary key of a live record. */
public record LiveKeyRow(String kind, int deviceId, long bufferId) {
}
