package tracker.cli;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/** Builds a WHERE clause from the filters a user gave, with positional binds. */
final class SqlFilter {

    private final List<String> conditions = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    SqlFilter when(Object value, String condition) {
        if (value != null) {
            conditions.add(condition);
            values.add(value);
        }
        return this;
    }

    /** A condition with several parameters, in order. */
    SqlFilter whenAll(String condition, Object... parameters) {
        conditions.add(condition);
        values.addAll(java.util.Arrays.asList(parameters));
        return this;
    }

    SqlFilter always(String condition) {
        conditions.add(condition);
        return this;
    }

    String where() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    String and() {
        return conditions.isEmpty() ? "" : " AND " + String.join(" AND ", conditions);
    }

    Query bind(Query query) {
        for (int i = 0; i < values.size(); i++) {
            query.bind(i, values.get(i));
        }
        return query;
    }

    /** For plain JDBC: binds the values to parameters 1, 2, ... */
    java.sql.PreparedStatement bind(java.sql.PreparedStatement statement) throws java.sql.SQLException {
        for (int i = 0; i < values.size(); i++) {
            statement.setObject(i + 1, values.get(i));
        }
        return statement;
    }

    /** For plain JDBC: binds the values to parameters {@code first}, ...; the next free parameter's index. */
    int bind(java.sql.PreparedStatement statement, int first) throws java.sql.SQLException {
        for (int i = 0; i < values.size(); i++) {
            statement.setObject(first + i, values.get(i));
        }
        return first + values.size();
    }

    Query query(Handle handle, String sql) {
        return bind(handle.createQuery(sql));
    }
}
