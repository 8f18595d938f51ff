package tracker.store;

/** A row of {@code event_chunks}: one process's events of one commit window. */
public record ChunkRow(long id, long processId, Integer pid, long firstMicros, long lastMicros, int eventCount,
                       byte[] data) {
}
