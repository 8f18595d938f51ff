package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tracker.reaper.StoredFixtures.BOOT;
import static tracker.reaper.StoredFixtures.NOW;
import static tracker.reaper.StoredFixtures.PROC;
import static tracker.reaper.StoredFixtures.process;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tracker.log.EventLog;
import tracker.proc.ProcessProbe;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;

/**
 * Many clients exiting together (a CI job ending) are reaped in a few passes, not one
 * commit wait each. Real child processes, killed; the target records the passes (it stands
 * in for the ledger, whose own reaps other tests cover) and holds the first one until every
 * disconnect has been reported, as a slow commit would.
 */
class DisconnectBatchingTest {

    private static final int CLIENTS = 30;

    @Test
    void checksDueTogetherAreReapedInOnePass() throws Exception {
        List<Process> children = new ArrayList<>();
        List<ProcessRow> rows = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Process child = new ProcessBuilder("sleep", "600").start();
            children.add(child);
            int pid = (int) child.pid();
            rows.add(process(i + 1, pid, PROC.stat(pid).orElseThrow().startTicks(), BOOT, "sleep 600"));
        }
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }

        CountDownLatch allReported = new CountDownLatch(1);
        CountDownLatch allReaped = new CountDownLatch(CLIENTS);
        List<Integer> passSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Set<Long> reaped = ConcurrentHashMap.newKeySet();
        ReapTarget target = new ReapTarget() {
            @Override
            public List<ProcessRow> processesHoldingRecords() {
                return List.of();
            }

            @Override
            public List<ReapRecord> reap(Map<ProcessRow, ReapReason> dead) {
                passSizes.add(dead.size());
                try {
                    allReported.await(10, TimeUnit.SECONDS); // the first pass's commit is slow
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                List<ReapRecord> records = new ArrayList<>();
                dead.keySet().forEach(process -> {
                    if (reaped.add(process.id())) {
                        allReaped.countDown();
                    }
                });
                return records;
            }
        };
        EventLog log = new EventLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Clock.systemUTC(), false);
        try (Reaper reaper = new Reaper(target, new ProcessProbe(PROC), log, NOW)) {
            for (ProcessRow row : rows) {
                reaper.checkSoon(List.of(row)); // one disconnect at a time, as connections close
            }
            allReported.countDown();
            assertEquals(true, allReaped.await(20, TimeUnit.SECONDS), "all reaped; passes " + passSizes);
        }
        assertEquals(CLIENTS, passSizes.stream().mapToInt(Integer::intValue).sum(), "each reaped once: " + passSizes);
        assertEquals(true, passSizes.size() <= 2, "the checks that came due during the first pass share one: "
                + passSizes);
    }
}
