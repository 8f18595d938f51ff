package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tracker.report.Tags;

/**
 * The {@code --tag} filters of a command (all must match), as SQL on a process id column,
 * and the tags of the processes a command shows. Immutable.
 */
final class TagFilter {

    private final List<TagMatch> matches;

    TagFilter(List<TagMatch> matches) {
        this.matches = List.copyOf(matches);
    }

    boolean isEmpty() {
        return matches.isEmpty();
    }

    /** Adds one condition per match on {@code processIdColumn} to {@code filter}. */
    SqlFilter addTo(SqlFilter filter, String processIdColumn) {
        for (TagMatch match : matches) {
            filter.whenAll(condition(processIdColumn, match), values(match));
        }
        return filter;
    }

    private static String condition(String processIdColumn, TagMatch match) {
        return processIdColumn + " IN (SELECT t.process_id FROM process_tags t WHERE t.tag_key = ?"
                + (match.value() == null ? "" : " AND t.tag_value = ?") + ")";
    }

    private static Object[] values(TagMatch match) {
        return match.value() == null ? new Object[] {match.key()} : new Object[] {match.key(), match.value()};
    }

    /** The ids of the processes that match every tag; only when not {@link #isEmpty()}. */
    Set<Long> processIds(Connection connection) throws SQLException {
        Set<Long> ids = null;
        for (TagMatch match : matches) {
            Set<Long> these = new HashSet<>();
            try (PreparedStatement statement = connection.prepareStatement("SELECT t.process_id FROM process_tags t"
                    + " WHERE t.tag_key = ?" + (match.value() == null ? "" : " AND t.tag_value = ?"))) {
                Object[] values = values(match);
                for (int i = 0; i < values.length; i++) {
                    statement.setObject(i + 1, values[i]);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        these.add(rows.getLong(1));
                    }
                }
            }
            if (ids == null) {
                ids = these;
            } else {
                ids.retainAll(these);
            }
        }
        return ids == null ? Set.of() : ids;
    }

    /** The tags of each of {@code processIds} that has any; read in groups, never the whole table. */
    static Map<Long, Tags> tagsOf(Connection connection, Collection<Long> processIds) throws SQLException {
        Map<Long, Map<String, String>> found = new HashMap<>();
        List<Long> ids = new ArrayList<>(new HashSet<>(processIds));
        int group = 500;
        for (int from = 0; from < ids.size(); from += group) {
            List<Long> part = ids.subList(from, Math.min(ids.size(), from + group));
            String marks = String.join(",", java.util.Collections.nCopies(part.size(), "?"));
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT process_id, tag_key, tag_value FROM process_tags WHERE process_id IN (" + marks + ")")) {
                for (int i = 0; i < part.size(); i++) {
                    statement.setLong(i + 1, part.get(i));
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        found.computeIfAbsent(rows.getLong(1), id -> new HashMap<>()).put(rows.getString(2),
                                rows.getString(3));
                    }
                }
            }
        }
        Map<Long, Tags> tags = new HashMap<>();
        found.forEach((id, map) -> tags.put(id, new Tags(map)));
        return tags;
    }

    /** {@link #tagsOf(Connection, Collection)} on a Jdbi handle. */
    static Map<Long, Tags> tagsOf(org.jdbi.v3.core.Handle handle, Collection<Long> processIds) {
        try {
            return tagsOf(handle.getConnection(), processIds);
        } catch (SQLException e) {
            throw Backend.readFailed(e);
        }
    }
}
