package tracker.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tracker.report.Bytes;
import tracker.report.Report;
import tracker.report.Tags;

/**
 * {@code tracker leaks --group-by KEY}: the leaks added up per value of one tag, the processes
 * without it in a group of their own, {@link #NONE}. Most bytes first.
 */
final class LeakGroups {

    /** The value of the group of processes that do not have the tag. */
    static final String NONE = "(none)";

    static final List<String> COLUMNS = List.of("key", "value", "tagged", "processes", "records", "bytes", "last_at");

    private LeakGroups() {
    }

    private static final class Group {
        final String value;
        final boolean tagged;
        long processes;
        long records;
        long bytes;
        Instant lastAt;

        Group(String value, boolean tagged) {
            this.value = value;
            this.tagged = tagged;
        }
    }

    static Report of(String key, List<LeaksCommand.Leak> leaks, Map<Long, Tags> tags) {
        Map<String, Group> tagged = new HashMap<>();
        Group untagged = new Group(NONE, false);
        for (LeaksCommand.Leak leak : leaks) {
            String value = tags.getOrDefault(leak.processId(), Tags.NONE).map().get(key);
            Group group = value == null ? untagged : tagged.computeIfAbsent(value, v -> new Group(v, true));
            HeldTotals held = leak.held();
            group.processes++;
            group.records += held.buffers() + held.cbs() + held.kernels();
            group.bytes += held.totalBytes();
            if (leak.lastAt() != null && (group.lastAt == null || leak.lastAt().isAfter(group.lastAt))) {
                group.lastAt = leak.lastAt();
            }
        }
        List<Group> groups = new ArrayList<>(tagged.values());
        if (untagged.processes > 0) {
            groups.add(untagged);
        }
        groups.sort(Comparator.<Group>comparingLong(g -> -g.bytes).thenComparing(g -> !g.tagged)
                .thenComparing(g -> g.value));
        Report report = new Report(COLUMNS);
        for (Group group : groups) {
            report.add(key, group.value, group.tagged, group.processes, group.records, new Bytes(group.bytes),
                    group.lastAt);
        }
        return report;
    }
}
