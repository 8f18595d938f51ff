package tracker.store;

/**
 * A row of {@code processes}. Times in epoch microseconds; nullable fields are boxed.
 */
public record ProcessRow(
        long id,
        Integer pid,
        int reportedPid,
        Long startTicks,
        String bootId,
        Integer uid,
        String command,
        long firstSeenMicros,
        long lastSeenMicros) {
}
