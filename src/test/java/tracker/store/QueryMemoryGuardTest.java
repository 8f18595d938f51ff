package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import org.h2.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;

/**
 * What the guard does when a collection leaves the heap full: a growing query (a GROUP BY that
 * keeps every group) is cancelled, and the database stays open for everyone else. (Filling a
 * test JVM's heap for real would take it down with the query; the guard's trigger is the JVM's
 * own collection-threshold notification.)
 */
class QueryMemoryGuardTest {

    @TempDir
    Path directory;

    @Test
    void aGrowingQueryIsCancelledAndTheDatabaseStaysOpen() throws Exception {
        try (Database database = Database.open(directory.resolve("tracker"), Database.Access.READ_WRITE);
             Connection reader = database.readerConnection();
             Statement statement = reader.createStatement();
             QueryMemoryGuard guard = QueryMemoryGuard.watch(statement)) {
            CompletableFuture<SQLException> growing = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rows = statement.executeQuery("SELECT a.X, b.X, COUNT(*) FROM SYSTEM_RANGE(1, 100000) a,"
                        + " SYSTEM_RANGE(1, 100000) b GROUP BY a.X, b.X")) {
                    rows.next();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Await.until("the query runs", () -> running(database, "GROUP BY"));
            QueryMemoryGuard.cancelAll();
            SQLException cancelled = growing.get();
            assertEquals(ErrorCode.STATEMENT_WAS_CANCELED, cancelled == null ? 0 : cancelled.getErrorCode());
            assertTrue(guard.tripped());
            try (Connection admin = database.connection(); Statement update = admin.createStatement()) {
                assertEquals(1, update.executeUpdate("UPDATE counters SET total = total + 1 WHERE name = 'events'"));
            }
        }
    }

    private static boolean running(Database database, String text) {
        try (Connection admin = database.connection(); Statement statement = admin.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"
                     + " WHERE EXECUTING_STATEMENT LIKE '%" + text + "%' AND SESSION_ID <> SESSION_ID()")) {
            rows.next();
            return rows.getLong(1) > 0;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
