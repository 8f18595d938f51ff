package tracker.store;

/** What a prune removed. */
public record PruneResult(long chunks, long events, long reaps, long processes) {
}
