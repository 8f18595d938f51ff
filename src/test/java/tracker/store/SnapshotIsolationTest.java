package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers that read several tables (dump, stats, history, check, sql) must see them as of
 * one commit. H2's REPEATABLE READ reads each table as of its first read in the transaction:
 * a commit between two reads shows in the second table only (check then reported a counter
 * that did not add up against the history). {@link Database#SNAPSHOT_ISOLATION} does not.
 */
class SnapshotIsolationTest {

    @TempDir
    Path directory;

    private static long historyAfterACommitBetweenTwoReads(Database database, int isolation) throws Exception {
        try (Connection reader = database.connection(); Connection writer = database.connection()) {
            reader.setTransactionIsolation(isolation);
            reader.setAutoCommit(false);
            try (Statement read = reader.createStatement()) {
                try (ResultSet counters = read.executeQuery("SELECT COUNT(*) FROM counters")) {
                    counters.next();
                }
                CommitBatch batch = new CommitBatch();
                batch.chunks.add(new ChunkRow(1, 1, 100, 1, 1, 1, new byte[] {1}));
                new StoreWriter(database.jdbi()).write(batch);
                try (ResultSet history = read.executeQuery("SELECT COUNT(*) FROM event_chunks")) {
                    history.next();
                    return history.getLong(1);
                } finally {
                    reader.rollback();
                }
            }
        }
    }

    @Test
    void snapshotSeesEveryTableAsOfOneCommit() throws Exception {
        try (Database database = Database.open(directory.resolve("a"), Database.Access.READ_WRITE)) {
            assertEquals(0, historyAfterACommitBetweenTwoReads(database, Database.SNAPSHOT_ISOLATION));
        }
    }

    @Test
    void repeatableReadInH2DoesNot() throws Exception {
        try (Database database = Database.open(directory.resolve("b"), Database.Access.READ_WRITE)) {
            assertEquals(1, historyAfterACommitBetweenTwoReads(database, Connection.TRANSACTION_REPEATABLE_READ),
                    "if H2 changes this, the constant may go back to the JDBC level");
        }
    }
}
