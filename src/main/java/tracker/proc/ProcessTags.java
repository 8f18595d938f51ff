package tracker.proc;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tags a process was started with (see {@link TagSelection}), sorted by key, and how
 * many more it had that were dropped for the bounds. Immutable.
 *
 * @param tags       key to value, sorted by key
 * @param dropped    tags the process had beyond the bounds (too many, or too long)
 * @param unreadable true when its environment could not be read: it has no tags
 */
public record ProcessTags(Map<String, String> tags, int dropped, boolean unreadable) {

    public static final ProcessTags NONE = new ProcessTags(Map.of(), 0, false);
    public static final ProcessTags UNREADABLE = new ProcessTags(Map.of(), 0, true);

    public ProcessTags {
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }
}
