package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.proc.ProcFs;
import tracker.proc.ProcessIdentity;
import tracker.proc.ProcessTags;

/**
 * What the daemon keeps of an environment it reads at first sight, on a {@code /proc} of our
 * own making. The tests run as root, and root reads every process's environ: an environ the
 * daemon may not read cannot be had from the real {@code /proc} here (a daemon of another user
 * would need its own JVM, socket and database owned by that user). A directory in place of the
 * file fails the read as EACCES does, with an IOException other than "gone", which is the case
 * the daemon counts.
 */
class TagReaderTest {

    private static final int PID = 4242;
    private static final long START = 777;

    @TempDir
    Path proc;

    private final ServerMetrics metrics = new ServerMetrics();

    @Test
    void anEnvironItMayNotReadGivesNoTagsAndIsCounted() throws Exception {
        writeStat(START);
        Files.createDirectories(proc.resolve(PID + "/environ"));
        ProcessTags tags = reader().read(identity());
        assertEquals(ProcessTags.UNREADABLE, tags);
        assertEquals(1, metrics.unreadableEnvirons.get());
        assertEquals(0, metrics.droppedTags.get());
    }

    @Test
    void keepsTheTagsAndTheCiVariablesOnlyAndCountsWhatItDrops() throws Exception {
        writeStat(START);
        writeEnviron("TRACKER_TAG_job=build-a", "GITHUB_RUN_ID=991", "AWS_SECRET_ACCESS_KEY=hunter2",
                "TRACKER_TAG_long=" + "x".repeat(257), "TRACKER_TAG_job=second", "TRACKER_TAG_=empty-key",
                "TRACKER_TAG_edge=" + "y".repeat(256), "NOEQUALS", "SLURM_JOB_ID=12");
        ProcessTags tags = reader().read(identity());
        assertEquals(Map.of("job", "build-a", "GITHUB_RUN_ID", "991", "edge", "y".repeat(256), "SLURM_JOB_ID", "12"),
                tags.tags());
        assertEquals(1, tags.dropped());
        assertEquals(1, metrics.droppedTags.get());
        assertEquals(0, metrics.unreadableEnvirons.get());
    }

    @Test
    void aPidGivenToANewProcessMeanwhileGivesNoTags() throws Exception {
        writeStat(START + 1);
        writeEnviron("TRACKER_TAG_job=someone-else");
        assertEquals(ProcessTags.NONE, reader().read(identity()));
        assertEquals(0, metrics.unreadableEnvirons.get());
    }

    @Test
    void aGoneProcessOrAnUnresolvedOneGivesNoTags() {
        assertEquals(ProcessTags.NONE, reader().read(identity()));
        assertEquals(ProcessTags.NONE, reader().read(ProcessIdentity.unresolved(PID, 0, "elsewhere")));
        assertEquals(0, metrics.unreadableEnvirons.get());
    }

    private TagReader reader() {
        return new TagReader(new ProcFs(proc), metrics);
    }

    private static ProcessIdentity identity() {
        return new ProcessIdentity(PID, PID, START, 0, "model");
    }

    private void writeStat(long startTicks) throws Exception {
        Files.createDirectories(proc.resolve(Integer.toString(PID)));
        Files.writeString(proc.resolve(PID + "/stat"),
                PID + " (model) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 " + startTicks + " 19 20\n");
    }

    private void writeEnviron(String... variables) throws Exception {
        Files.write(proc.resolve(PID + "/environ"),
                (String.join("\0", variables) + "\0").getBytes(StandardCharsets.UTF_8));
    }
}
