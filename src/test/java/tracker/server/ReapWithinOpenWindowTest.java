package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.ReapRecord;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * A reap in the middle of a commit window: some of the dead process's records are stored,
 * some changed since, some never stored. The audit must hold exactly what it held at death.
 */
class ReapWithinOpenWindowTest {

    @TempDir
    Path directory;

    @Test
    void auditHoldsExactlyWhatTheProcessHeldAtDeath() throws Exception {
        // a window longer than the test: only the flush and the reap commit
        ServerConfig base = TestDaemon.config(directory, WireVersion.V3);
        ServerConfig config = new ServerConfig(base.socket(), base.wire(), base.database(), 60_000,
                base.reapIntervalMs(), base.socketMode(), null, null, 0, base.pruneIntervalMs(), false);
        Process victim = new ProcessBuilder("sleep", "600").start();
        int pid = (int) victim.pid();
        try (TestDaemon daemon = TestDaemon.start(config);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(alloc(pid, 0x1000, 100), alloc(pid, 0x2000, 200), alloc(pid, 0x2000, 200));
            client.query(0);
            daemon.flush(); // 0x1000 and 0x2000 (ref 2) stored
            client.send(free(pid, 0x1000), free(pid, 0x2000), alloc(pid, 0x3000, 300));
            client.query(0); // applied, not committed: 0x1000 freed, 0x2000 at ref 1, 0x3000 unstored

            victim.destroyForcibly().waitFor();
            List<ReapRecord> reaped = daemon.daemon().reaper().reapNow();
            assertEquals(1, reaped.size());

            List<String> audit = daemon.daemon().database().jdbi().withHandle(handle -> handle.createQuery(
                            "SELECT buffer_id, ref_count, size FROM reaped_allocations WHERE reap_id = ?"
                                    + " ORDER BY buffer_id")
                    .bind(0, reaped.get(0).id())
                    .map((rs, ctx) -> Long.toHexString(rs.getLong(1)) + " ref " + rs.getInt(2) + " size " + rs.getLong(3))
                    .list());
            assertEquals(List.of("2000 ref 1 size 200", "3000 ref 1 size 300"), audit);
            long live = daemon.daemon().database().jdbi().withHandle(handle -> handle.createQuery(
                    "SELECT COUNT(*) FROM allocations a JOIN processes p ON p.id = a.process_id WHERE p.pid = ?")
                    .bind(0, pid).mapTo(Long.class).one());
            assertEquals(0, live);
        } finally {
            victim.destroyForcibly();
        }
    }

    private static Frame alloc(int pid, long id, long size) {
        return WireClient.frame(MessageType.ALLOC, 0, size, 0, pid, id);
    }

    private static Frame free(int pid, long id) {
        return WireClient.frame(MessageType.FREE, 0, 0, 0, pid, id);
    }
}
