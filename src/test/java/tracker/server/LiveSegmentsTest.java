package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.LiveModel;
import tracker.testing.LiveRows;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;

/**
 * The live set is stored per process as the changes of each window, replaced by a snapshot
 * once they outgrow it: the rows stay few, and what is read back is exactly the live set.
 */
class LiveSegmentsTest {

    @TempDir
    Path directory;

    private static Frame alloc(long id) {
        return WireClient.frame(MessageType.ALLOC, 0, 4096L * (1 + id % 3), (int) (id % 2), WireClient.SELF_PID, id);
    }

    private static Frame free(long id) {
        return WireClient.frame(MessageType.FREE, 0, 0, 0, WireClient.SELF_PID, id);
    }

    @Test
    void churnIsCompactedIntoSnapshotsAndReloadsExactly() throws Exception {
        LiveModel model = new LiveModel();
        int live = 2_000;
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            List<Frame> first = new ArrayList<>();
            for (long id = 0; id < live; id++) {
                first.add(alloc(id));
            }
            send(client, model, first);
            daemon.flush();
            assertEquals(0L, segments(jdbi).get(1), "changes only, no snapshot yet");
            assertEquals(live, storedEntries(jdbi));

            long next = live;
            for (int window = 0; window < 8; window++) {
                List<Frame> churn = new ArrayList<>();
                for (int i = 0; i < live / 2; i++) {
                    churn.add(free(next - live + i)); // the oldest half goes
                    churn.add(alloc(next + i));
                }
                next += live / 2;
                // the same address freed and allocated again within the window, and a reference count
                churn.add(free(next - 1));
                churn.add(alloc(next - 1));
                churn.add(alloc(next - 2));
                send(client, model, churn);
                daemon.flush();
                long stored = storedEntries(jdbi);
                assertTrue(stored <= 2L * model.size() + Ledger.COMPACTION_SLACK,
                        "stored entries stay within twice the live set plus the slack: " + stored + " for "
                                + model.size() + " live, after window " + window);
                assertEquals(model.rows(), LiveRows.set(daemon), "stored live set after window " + window);
            }
            assertTrue(segments(jdbi).get(1) >= 1, "a snapshot replaced the windows' changes");
            daemon.close();
        }
        try (TestDaemon again = TestDaemon.start(directory)) {
            assertEquals(model.rows(), LiveRows.set(again), "reloaded live set");
            assertTrue(again.output().contains(": " + model.size() + " live records of 1 processes reloaded"),
                    again.output());
        }
    }

    private static void send(WireClient client, LiveModel model, List<Frame> frames) throws Exception {
        client.send(frames.toArray(Frame[]::new));
        model.applyAll(frames);
        client.query(0); // read and applied
    }

    private static long storedEntries(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(entries), 0) FROM live_segments")
                .mapTo(Long.class).one());
    }

    /** [segment rows, snapshot rows] */
    private static List<Long> segments(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*), COALESCE(SUM(CASE WHEN snapshot THEN 1 ELSE 0 END), 0)"
                        + " FROM live_segments")
                .map((rs, ctx) -> List.of(rs.getLong(1), rs.getLong(2))).one());
    }
}
