package tracker.store;

/** A row of {@code process_tags}: one tag of one process. */
public record TagRow(long processId, String key, String value) {
}
