package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import tracker.testing.HeldRow;

/** What a complete reap must have left in the database and on the daemon's output. */
final class ReapExpectations {

    static final String DETECTED = "⚠️  Detected dead processes, cleaning up orphaned buffers...";

    private ReapExpectations() {
    }

    /**
     * Asserts the audit of {@code pid}: one {@code reaps} row whose counts and bytes per kind
     * match {@code held}, whose {@code reaped_allocations} are exactly {@code held}, no live
     * row left, and the process ended at the reap with the same reason.
     */
    static ReapDb.ReapRow assertCompleteAudit(Jdbi jdbi, int pid, Set<HeldRow> held, String reason) {
        ReapDb.ReapRow reap = ReapDb.reap(jdbi, pid).orElseThrow(() -> new AssertionError("no audit record for pid " + pid));
        assertEquals(reason, reap.reason(), "reason of " + reap);
        assertEquals(count(held, "BUFFER"), reap.buffers(), "buffers");
        assertEquals(bytes(held, "BUFFER"), reap.bufferBytes(), "buffer_bytes");
        assertEquals(count(held, "CB"), reap.cbs(), "cbs");
        assertEquals(bytes(held, "CB"), reap.cbBytes(), "cb_bytes");
        assertEquals(count(held, "KERNEL"), reap.kernels(), "kernels");
        assertEquals(bytes(held, "KERNEL"), reap.kernelBytes(), "kernel_bytes");
        assertEquals(held, ReapDb.reapedRows(jdbi, reap.id()), "reaped_allocations of reap " + reap.id());
        assertEquals(Set.of(), ReapDb.liveRowsOfProcessId(jdbi, reap.processId()), "live rows left after the reap");
        ReapDb.ProcessState process = ReapDb.processById(jdbi, reap.processId());
        assertEquals(reap.pid(), process.pid());
        assertEquals(reap.reportedPid(), process.reportedPid());
        assertEquals(reap.startTicks(), process.startTicks());
        assertEquals(reap.uid(), process.uid());
        assertEquals(reap.command(), process.command());
        assertNotNull(process.endedAt(), "processes.ended_at");
        assertEquals(reap.reapedAt().toInstant(), process.endedAt().toInstant(), "processes.ended_at = reaps.reaped_at");
        assertEquals(reason, process.endReason(), "processes.end_reason");
        assertTrue(!reap.firstSeen().isAfter(reap.lastSeen()) && !reap.lastSeen().isAfter(reap.reapedAt()),
                "first_seen <= last_seen <= reaped_at in " + reap);
        return reap;
    }

    /** The lines the original server printed for a reap, as the daemon must print them. */
    static List<String> seedLines(int pid, Set<HeldRow> held) {
        List<String> lines = new ArrayList<>();
        lines.add("   PID " + pid + " is dead, removing its buffers...");
        lines.add("   ✓ Removed " + count(held, "BUFFER") + " buffers (" + megabytes(bytes(held, "BUFFER")) + ") from PID " + pid);
        if (count(held, "CB") > 0) {
            lines.add("   ✓ Removed " + count(held, "CB") + " CBs (" + megabytes(bytes(held, "CB")) + ") from PID " + pid);
        }
        if (count(held, "KERNEL") > 0) {
            lines.add("   ✓ Removed " + count(held, "KERNEL") + " kernels (" + megabytes(bytes(held, "KERNEL"))
                    + ") from PID " + pid);
        }
        return lines;
    }

    /** True when {@code output} holds the detection line and then the reap lines of {@code pid}, in order. */
    static boolean printedReap(String output, int pid, Set<HeldRow> held) {
        List<String> lines = output.lines().toList();
        int detected = lines.indexOf(DETECTED);
        if (detected < 0) {
            return false;
        }
        List<String> expected = seedLines(pid, held);
        int first = lines.indexOf(expected.get(0));
        return first > detected && first + expected.size() <= lines.size()
                && lines.subList(first, first + expected.size()).equals(expected);
    }

    static int count(Set<HeldRow> held, String kind) {
        return (int) held.stream().filter(r -> r.kind().equals(kind)).count();
    }

    static long bytes(Set<HeldRow> held, String kind) {
        return held.stream().filter(r -> r.kind().equals(kind)).mapToLong(HeldRow::size).sum();
    }

    /** The reap line's size, pinned by SeedFormatTest. */
    static String megabytes(long bytes) {
        return tracker.log.SeedFormat.megabytes(bytes);
    }
}
