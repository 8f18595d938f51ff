package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.store.ReapRecord;
import tracker.testing.Await;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * A process is dead when {@code /proc} says so, whoever still holds its connection. Here a
 * real Python client sends its frames, leaves the socket to a child of its own (which keeps
 * the connection open) and exits: it is reaped with every frame read before, within the grace
 * period that a reap gives an open connection to be read to its end (see LastFreesReapTest),
 * and a frame that the child sends in its name afterwards is counted and dropped, never given
 * a record.
 *
 * <p>(The daemon once kept such a process until the connection closed: a child that kept the
 * socket open then kept a dead process's memory counted for as long as it lived.)
 */
class UnreadConnectionReapTest {

    @TempDir
    Path directory;

    @Test
    void aDeadProcessIsReapedWhileAChildKeepsItsConnectionOpen() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient observer = WireClient.connect(daemon.socket());
             ForkingClient client = ForkingClient.connect(daemon.socket(), ForkingClient.allocs(5, 0x1000),
                     ForkingClient.allocs(1, 0x9000), directory.resolve("fifos"))) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            int pid = client.parentPid();
            client.sendAndLeave();
            assertTrue(ProcessHandle.of(pid).isEmpty(), "the client is gone");
            Await.until(Duration.ofSeconds(10), () -> DeadOwnerFramesTest.dram(observer) == 5 * 4096,
                    "its five allocations applied");
            daemon.flush();

            List<ReapRecord> reaped = new java.util.ArrayList<>();
            Await.until(Duration.ofSeconds(20), () -> reaped.addAll(daemon.daemon().reaper().reapNow()),
                    "reaped while a child holds its connection, once the grace period is over");

            assertEquals(List.of(pid), reaped.stream().map(r -> r.process().pid()).toList());
            assertEquals(5, ReapDb.reaps(jdbi, pid).get(0).buffers());
            assertEquals(Set.of(), ReapDb.liveRows(jdbi, pid));
            assertEquals(0, DeadOwnerFramesTest.dram(observer));

            // the child writes in the dead parent's name on the still-open connection
            client.childSends();
            Await.until(Duration.ofSeconds(10), () -> flushedCount(daemon, jdbi) == 1,
                    () -> "the late frame counted; " + DeadOwnerFramesTest.DEAD_FRAMES + " = "
                            + DeadOwnerFramesTest.counter(jdbi, DeadOwnerFramesTest.DEAD_FRAMES));
            assertEquals(0, DeadOwnerFramesTest.dram(observer), "QUERY counts a frame of a reaped process");
            assertEquals(Set.of(), ReapDb.liveRows(jdbi, pid), "a reaped process was given a record");
            assertEquals(1, ReapDb.reaps(jdbi, pid).size());

            client.childCloses();
            assertEquals(List.of(), daemon.daemon().reaper().reapNow());
            assertEquals(1, ReapDb.reaps(jdbi, pid).size(), "reaped once");
        }
    }

    private static long flushedCount(TestDaemon daemon, Jdbi jdbi) {
        try {
            daemon.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DeadOwnerFramesTest.counter(jdbi, DeadOwnerFramesTest.DEAD_FRAMES);
    }
}
