package tracker.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an attack through {@code tracker sql} must leave as it was: the schema (every table,
 * view and column, every user and whether it is an admin, every sequence's value) and every
 * table's row count. Read as the admin, beside the command.
 */
record SqlDatabaseState(List<String> schema, List<String> users, Map<String, Long> rowCounts) {

    static SqlDatabaseState of(Connection admin) throws SQLException {
        List<String> schema = strings(admin, "SELECT TABLE_SCHEMA || '.' || TABLE_NAME || '.' || COLUMN_NAME || ' '"
                + " || DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA'"
                + " ORDER BY 1");
        schema.addAll(strings(admin, "SELECT 'sequence ' || SEQUENCE_NAME || ' ' || BASE_VALUE"
                + " FROM INFORMATION_SCHEMA.SEQUENCES WHERE SEQUENCE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY 1"));
        schema.addAll(strings(admin, "SELECT 'alias ' || ROUTINE_NAME FROM INFORMATION_SCHEMA.ROUTINES"
                + " WHERE ROUTINE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY 1"));
        List<String> users = strings(admin, "SELECT USER_NAME || ' ' || IS_ADMIN FROM INFORMATION_SCHEMA.USERS ORDER BY 1");
        users.addAll(strings(admin, "SELECT GRANTEE || ' ' || RIGHTS || ' ' || COALESCE(TABLE_SCHEMA, '-') || '.'"
                + " || COALESCE(TABLE_NAME, '-') FROM INFORMATION_SCHEMA.RIGHTS ORDER BY 1"));
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : strings(admin, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES"
                + " WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1")) {
            counts.put(table, strings(admin, "SELECT CAST(COUNT(*) AS VARCHAR) FROM \"" + table + "\"").stream()
                    .mapToLong(Long::parseLong).sum());
        }
        return new SqlDatabaseState(schema, users, counts);
    }

    private static List<String> strings(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
