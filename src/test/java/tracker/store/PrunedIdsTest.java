package tracker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * A prune that empties the history does not make the next history chunk id 1 again: the
 * fleet store keys rows by host and local id, and a reused id would collide with a row it
 * already holds.
 */
class PrunedIdsTest {

    @Test
    void idsAreNotHandedOutAgainAfterAPruneEmptiedTheirTable(@TempDir Path directory) throws Exception {
        long highest;
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            try (WireClient client = WireClient.connect(daemon.socket())) {
                for (int i = 0; i < 5; i++) {
                    client.send(WireClient.alloc(0, 0x1000 + i, 4096, 0));
                    daemon.flush();
                }
                client.send(WireClient.free(0, 0x1000), WireClient.free(0, 0x1001));
                daemon.flush();
            }
            highest = database(daemon, "SELECT MAX(id) FROM event_chunks");
            assertTrue(highest >= 2, "several chunks were written: " + highest);
            daemon.daemon().prune(Times.micros(java.time.Instant.now().plusSeconds(60)));
            assertEquals(0, database(daemon, "SELECT COUNT(*) FROM event_chunks"), "the prune emptied the history");
        }
        try (Database database = Database.open(directory.resolve("db").resolve("tracker"), Database.Access.READ_WRITE)) {
            StoredState state = StoredState.load(database.jdbi());
            assertEquals(highest + 1, state.nextChunkId());
        }
    }

    private static long database(TestDaemon daemon, String sql) throws Exception {
        try (var connection = daemon.daemon().database().connection();
             var rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
