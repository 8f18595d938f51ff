package tracker.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tracker.report.Report;

@Command(name = "sql",
        description = {"Runs one read-only SQL query (SELECT ...) and prints its rows. The schema is in the README.",
                "Nothing is ever written: the query runs in a transaction that is rolled back."})
final class SqlCommand extends QueryCommand {

    private static final int TIMEOUT_SECONDS = 60;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The query, e.g. \"SELECT * FROM reaps\".")
    String query;

    @Override
    int run(Backend backend) {
        Report report;
        try {
            report = backend.jdbi().withHandle(handle -> readOnly(handle.getConnection()));
        } catch (SQLException e) {
            throw new tracker.store.DatabaseUnavailableException("database error: " + e.getMessage(), e);
        }
        print(report);
        return ExitCode.OK;
    }

    private Report readOnly(Connection connection) throws SQLException {
        int isolation = connection.getTransactionIsolation();
        // one snapshot for the whole query: the views over the live set read through their own
        // statements, which would each see the latest commit under READ COMMITTED
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(TIMEOUT_SECONDS);
            // executeQuery refuses anything that is not a query; the rollback undoes the rest
            try (ResultSet rows = statement.executeQuery(query)) {
                return toReport(rows);
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.METHOD_ONLY_ALLOWED_FOR_QUERY) {
                throw new IllegalArgumentException("tracker sql runs queries only (SELECT ...); nothing was changed");
            }
            throw new IllegalArgumentException("query failed: " + e.getMessage().lines().findFirst().orElse(""));
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
            connection.setTransactionIsolation(isolation);
        }
    }

    private static Report toReport(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int c = 1; c <= meta.getColumnCount(); c++) {
            columns.add(meta.getColumnLabel(c).toLowerCase(java.util.Locale.ROOT));
        }
        Report report = new Report(columns);
        while (rows.next()) {
            Object[] cells = new Object[columns.size()];
            for (int c = 0; c < cells.length; c++) {
                Object value = rows.getObject(c + 1);
                if (value instanceof OffsetDateTime time) {
                    value = time.toInstant();
                } else if (value instanceof byte[] bytes) {
                    value = "<" + bytes.length + " bytes>";
                } else if (value instanceof java.math.BigDecimal decimal) {
                    value = decimal.scale() == 0 ? (Object) decimal.longValueExact() : decimal;
                }
                cells[c] = value;
            }
            report.add(cells);
        }
        return report;
    }
}
