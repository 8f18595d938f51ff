package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Shows a fleet store as the tracker's own schema, for one session: a temporary view per
 * table, under the local table's name (PostgreSQL looks in the session's temporary schema
 * first), holding the rows of the hosts in scope, without {@code host_id}, and with every
 * process and reap id as a fleet id ({@link FleetHost#LOCAL_BITS}). The query commands' SQL
 * then runs on the fleet as it is. Stateless.
 */
final class FleetViews {

    /** The fleet tables the query commands read, which have the local table's columns plus host_id. */
    static final List<String> TABLES = List.of("processes", "process_tags", "process_peaks", "reaps", "reap_totals",
            "reap_holdings", "event_chunks", "live_segments");

    /** Tables whose {@code id} is a process's or a reap's (history chunk ids are only ever shown as order). */
    private static final Set<String> OWN_IDS = Set.of("processes", "reaps", "event_chunks");

    private static final Set<String> ID_COLUMNS = Set.of("process_id", "reap_id");

    private FleetViews() {
    }

    /** Creates the views for the hosts {@code hostIds} (before the session turns read-only). */
    static void create(Connection connection, List<Integer> hostIds) throws SQLException {
        String schema;
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT current_schema()")) {
            rs.next();
            schema = rs.getString(1);
        }
        // host ids are the store's own integers: no text of the user's reaches this SQL
        String inScope = hostIds.isEmpty() ? "FALSE"
                : "host_id IN (" + hostIds.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")";
        try (Statement statement = connection.createStatement()) {
            for (String table : TABLES) {
                List<String> columns = columnsOf(connection, schema, table);
                if (columns.isEmpty()) {
                    throw new SQLException("the fleet store has no table " + table + " (is it a tracker fleet store,"
                            + " written by tracker serve --ship-to?)");
                }
                List<String> shown = new ArrayList<>();
                for (String column : columns) {
                    if (column.equals("host_id")) {
                        continue;
                    }
                    boolean fleetId = ID_COLUMNS.contains(column) || (column.equals("id") && OWN_IDS.contains(table));
                    shown.add(fleetId ? FleetHost.fleetIdSql("host_id", quoted(column)) + " AS " + quoted(column)
                            : quoted(column));
                }
                statement.execute("CREATE TEMPORARY VIEW " + table + " AS SELECT " + String.join(", ", shown)
                        + " FROM " + quoted(schema) + "." + table + " WHERE " + inScope);
            }
            // the hosts' own running counters, added up over the hosts in scope
            statement.execute("CREATE TEMPORARY VIEW counters AS SELECT name, CAST(SUM(total) AS BIGINT) AS total"
                    + " FROM " + quoted(schema) + ".host_counters WHERE " + inScope + " GROUP BY name");
        }
    }

    private static List<String> columnsOf(Connection connection, String schema, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT column_name FROM"
                + " information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
            statement.setString(1, schema);
            statement.setString(2, table);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
