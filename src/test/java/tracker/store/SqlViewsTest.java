package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Segments;

/**
 * The record tables over the stored blobs ({@code allocations}, {@code reaped_allocations})
 * decode the live set once per snapshot of a session (a self-join no longer decodes it once
 * per outer row), are scanned in place in a join, cannot be written, and never show a session
 * rows it should not see: a new commit is seen by the next statement (READ COMMITTED,
 * autocommit), not by a SNAPSHOT transaction already under way.
 */
class SqlViewsTest {

    @TempDir
    Path directory;

    private static void addProcessHolding(Database database, long id, int records) {
        CommitBatch batch = new CommitBatch();
        long now = Times.micros(java.time.Instant.now());
        batch.newProcesses.add(new ProcessRow(id, 100 + (int) id, 100 + (int) id, 1L, "boot", 0, "p" + id, now, now));
        List<LiveRow> rows = new java.util.ArrayList<>();
        for (int i = 0; i < records; i++) {
            rows.add(new LiveRow("BUFFER", 0, 0x1000L * (i + 1) + id, "DRAM", 64 + i, 1, id, now));
        }
        batch.segments.addAll(Segments.snapshotsOf(rows));
        new StoreWriter(database.jdbi()).write(batch);
    }

    private static long count(Statement sql, String query) throws Exception {
        try (ResultSet rs = sql.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void selfJoinSeesEveryPairOnce() throws Exception {
        try (Database database = Database.open(directory.resolve("a"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 300);
            try (Connection connection = database.connection(); Statement sql = connection.createStatement()) {
                assertEquals(300L * 300, count(sql, "SELECT COUNT(*) FROM allocations a, allocations b"));
                assertEquals(300, count(sql, "SELECT COUNT(*) FROM allocations a JOIN allocations b"
                        + " ON a.buffer_id = b.buffer_id AND a.size = b.size"));
            }
        }
    }

    /**
     * A view is evaluated again, and materialised, for every outer row of a join: the plan
     * then names the view's own query for the inner side. A record table is a plain scan.
     */
    @Test
    void aJoinScansTheRecordsInPlace() throws Exception {
        try (Database database = Database.open(directory.resolve("p"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 3);
            try (Connection connection = database.connection(); Statement sql = connection.createStatement();
                 ResultSet plan = sql.executeQuery("EXPLAIN SELECT COUNT(*) FROM allocations a, allocations b")) {
                plan.next();
                String text = plan.getString(1);
                assertEquals(2, text.split("/\\* scan \\*/", -1).length - 1, text);
                assertEquals(false, text.contains("LIVE_ALLOCATIONS"), text);
            }
        }
    }

    @Test
    void theRecordTablesCannotBeWrittenEvenByTheOwner() throws Exception {
        try (Database database = Database.open(directory.resolve("w"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 5);
            try (Connection connection = database.connection(); Statement sql = connection.createStatement()) {
                for (String change : List.of(
                        "INSERT INTO allocations VALUES ('BUFFER', 0, 1, 'DRAM', 64, 1, 1, CURRENT_TIMESTAMP)",
                        "DELETE FROM allocations", "UPDATE allocations SET size = 0", "TRUNCATE TABLE allocations",
                        "CREATE INDEX records_by_size ON allocations (size)")) {
                    org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, () -> sql.execute(change),
                            change);
                }
                assertEquals(5, count(sql, "SELECT COUNT(*) FROM allocations"));
            }
        }
    }

    /**
     * As {@code tracker sql} runs a query: the reader's lazy session, one SNAPSHOT transaction.
     * The function's own query ends its statement, after which H2 no longer knows the outer one:
     * a cache keyed by the statement decoded the live set again for every outer row.
     */
    @Test
    void aSelfJoinInOneSnapshotDecodesTheLiveSetOnce() throws Exception {
        try (Database database = Database.open(directory.resolve("d"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 300);
            try (Connection reader = database.readerConnection(); Statement sql = reader.createStatement()) {
                reader.setTransactionIsolation(Database.SNAPSHOT_ISOLATION);
                reader.setAutoCommit(false);
                long loadsBefore = ViewRowsCache.loads();
                assertEquals(300L * 300, count(sql, "SELECT COUNT(*) FROM allocations a, allocations b"));
                assertEquals(300, count(sql, "SELECT COUNT(*) FROM allocations a JOIN allocations b"
                        + " ON a.buffer_id = b.buffer_id AND a.size = b.size"));
                assertEquals(1, ViewRowsCache.loads() - loadsBefore, "the live set decoded once, not per outer row");
                reader.rollback();
            }
        }
    }

    @Test
    void theNextStatementSeesANewCommit() throws Exception {
        try (Database database = Database.open(directory.resolve("b"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 10);
            try (Connection connection = database.connection(); Statement sql = connection.createStatement()) {
                assertEquals(10, count(sql, "SELECT COUNT(*) FROM allocations"));
                addProcessHolding(database, 2, 5);
                assertEquals(15, count(sql, "SELECT COUNT(*) FROM allocations"), "autocommit");
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                assertEquals(15, count(sql, "SELECT COUNT(*) FROM allocations"));
                addProcessHolding(database, 3, 7);
                assertEquals(22, count(sql, "SELECT COUNT(*) FROM allocations"), "read committed, same transaction");
                connection.commit();
            }
        }
    }

    @Test
    void aSnapshotTransactionKeepsItsRows() throws Exception {
        try (Database database = Database.open(directory.resolve("c"), Database.Access.READ_WRITE)) {
            addProcessHolding(database, 1, 10);
            try (Connection connection = database.connection(); Statement sql = connection.createStatement()) {
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Database.SNAPSHOT_ISOLATION);
                assertEquals(10, count(sql, "SELECT COUNT(*) FROM allocations"));
                addProcessHolding(database, 2, 5);
                assertEquals(10, count(sql, "SELECT COUNT(*) FROM allocations"));
                connection.rollback();
                assertEquals(15, count(sql, "SELECT COUNT(*) FROM allocations"), "a new transaction");
            }
        }
    }
}
