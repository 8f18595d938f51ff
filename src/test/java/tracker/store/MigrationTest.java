package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database written with one row per record (schema V2) opens with the same live set and audit. */
class MigrationTest {

    @TempDir
    Path directory;

    @Test
    void rowsOfTheOldSchemaMoveIntoSegmentsAndHoldings() throws Exception {
        Path path = directory.resolve("tracker");
        String url = "jdbc:h2:file:" + path;
        Flyway.configure().dataSource(url, "tracker", "").locations("classpath:db/migrations").target("2").load()
                .migrate();
        try (Connection connection = DriverManager.getConnection(url, "tracker", "");
             Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO processes (id, pid, reported_pid, start_ticks, boot_id, uid, command, first_seen,"
                    + " last_seen) VALUES (1, 100, 100, 5, 'b', 0, 'a', TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00Z',"
                    + " TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:01Z'),"
                    + " (2, 200, 200, 6, 'b', 0, 'b', TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00Z',"
                    + " TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:01Z')");
            sql.execute("INSERT INTO allocations VALUES"
                    + " ('BUFFER', 0, 4096, 'DRAM', 1024, 1, 1, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00.5Z'),"
                    + " ('CB', 1, 4096, 'L1', 64, 2, 1, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00.25Z'),"
                    + " ('KERNEL', 0, 77, 'FABRIC', 8, 1, 2, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00Z')");
            sql.execute("INSERT INTO reaps (id, process_id, pid, reported_pid, command, first_seen, last_seen,"
                    + " reaped_at, reason, buffers, buffer_bytes, cbs, cb_bytes, kernels, kernel_bytes) VALUES"
                    + " (9, 3, 300, 300, 'c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'EXITED',"
                    + " 2, 3072, 0, 0, 0, 0)");
            sql.execute("INSERT INTO reaped_allocations VALUES"
                    + " (9, 'BUFFER', 0, 1, 'DRAM', 1024, 1, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00Z'),"
                    + " (9, 'BUFFER', 0, 2, 'DRAM', 2048, 1, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00Z')");
        }

        try (Database database = Database.open(path, Database.Access.READ_WRITE)) {
            List<String> live = database.jdbi().withHandle(h -> h.createQuery("SELECT process_id || ' ' || kind || ' '"
                    + " || device_id || ' ' || buffer_id || ' ' || type || ' ' || size || ' ' || ref_count || ' '"
                    + " || allocated_at FROM allocations ORDER BY process_id, kind").mapTo(String.class).list());
            assertEquals(List.of("1 BUFFER 0 4096 DRAM 1024 1 2026-01-01 00:00:00.5+00",
                    "1 CB 1 4096 L1 64 2 2026-01-01 00:00:00.25+00",
                    "2 KERNEL 0 77 FABRIC 8 1 2026-01-01 00:00:00+00"), live);
            List<String> held = database.jdbi().withHandle(h -> h.createQuery("SELECT reap_id || ' ' || buffer_id"
                    + " || ' ' || size FROM reaped_allocations ORDER BY buffer_id").mapTo(String.class).list());
            assertEquals(List.of("9 1 1024", "9 2 2048"), held);
            List<String> totals = database.jdbi().withHandle(h -> h.createQuery("SELECT reap_id || ' ' || kind"
                    + " || ' ' || type || ' ' || records || ' ' || bytes FROM reap_totals").mapTo(String.class).list());
            assertEquals(List.of("9 BUFFER DRAM 2 3072"), totals);
        }
    }

    @Test
    void blobsWrittenBeforeChecksumsAreSealedAndReadBackUnchanged() throws Exception {
        Path path = directory.resolve("tracker");
        String url = "jdbc:h2:file:" + path;
        Flyway.configure().dataSource(url, "tracker", "").locations("classpath:db/migrations")
                .javaMigrations(new tracker.store.migration.V4__LiveRowsIntoSegments()).target("6").load().migrate();
        LiveRow held = new LiveRow("BUFFER", 0, 0x40, "DRAM", 4096, 1, 0, 1_000_000);
        LiveRow live = new LiveRow("CB", 1, 0x80, "L1", 64, 2, 1, 2_000_000);
        EventChunkCodec.Builder chunk = new EventChunkCodec.Builder();
        chunk.add(1_000_000, 0, 1, 0, 0, 0, 4096, 0x40, 0, 1);
        LiveSetCodec.Writer segment = new LiveSetCodec.Writer();
        segment.put(live);
        try (Connection connection = DriverManager.getConnection(url, "tracker", "");
             Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO processes (id, pid, reported_pid, start_ticks, boot_id, uid, command, first_seen,"
                    + " last_seen) VALUES (1, 100, 100, 5, 'b', 0, 'a', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            sql.execute("INSERT INTO reaps (id, process_id, pid, reported_pid, command, first_seen, last_seen,"
                    + " reaped_at, reason, buffers, buffer_bytes, cbs, cb_bytes, kernels, kernel_bytes) VALUES"
                    + " (9, 3, 300, 300, 'c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'EXITED',"
                    + " 1, 4096, 0, 0, 0, 0)");
            try (var insert = connection.prepareStatement("INSERT INTO event_chunks (id, process_id, pid, first_at,"
                    + " last_at, event_count, encoding, data) VALUES (1, 1, 100, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                    + " 1, 1, ?)")) {
                insert.setBytes(1, chunk.toBytes());
                insert.execute();
            }
            try (var insert = connection.prepareStatement("INSERT INTO live_segments (process_id, seq, snapshot,"
                    + " entries, encoding, data) VALUES (1, 1, TRUE, 1, 1, ?)")) {
                insert.setBytes(1, segment.toBytes());
                insert.execute();
            }
            try (var insert = connection.prepareStatement("INSERT INTO reap_holdings (reap_id, part, entries,"
                    + " encoding, data) VALUES (9, 0, 1, 1, ?)")) {
                insert.setBytes(1, LiveSetCodec.encodeAll(List.of(held), 10).get(0).data());
                insert.execute();
            }
        }

        try (Database database = Database.open(path, Database.Access.READ_WRITE);
             Connection connection = database.connection()) {
            assertEquals(List.of(live), List.copyOf(LiveSegments.readProcess(connection, 1)));
            assertEquals(List.of(new LiveRow("BUFFER", 0, 0x40, "DRAM", 4096, 1, 0, 1_000_000)),
                    ReapHoldings.of(connection, 9));
            List<HistoryEvent> events = new java.util.ArrayList<>();
            try (Statement sql = connection.createStatement();
                 var rs = sql.executeQuery("SELECT encoding, data FROM event_chunks")) {
                rs.next();
                int encoding = rs.getInt(1);
                EventChunkCodec.decode(StoredBlob.open(encoding, rs.getBytes(2), () -> "chunk"), encoding, 1, 100,
                        events::add);
            }
            assertEquals(1, events.size());
            assertEquals(0x40, events.get(0).bufferId());
            for (String table : List.of("event_chunks", "live_segments", "reap_holdings")) {
                assertEquals(List.of(StoredBlob.SEALED), database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT DISTINCT encoding FROM " + table).mapTo(Integer.class).list()), table);
            }
        }
    }
}
