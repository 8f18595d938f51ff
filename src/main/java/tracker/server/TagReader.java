package tracker.server;

import java.util.Optional;
import tracker.proc.ProcFs;
import tracker.proc.ProcStat;
import tracker.proc.ProcUnreadableException;
import tracker.proc.ProcessIdentity;
import tracker.proc.ProcessTags;
import tracker.proc.TagSelection;

/**
 * Reads the tags of a process from its environment, once, when the daemon first sees it (as
 * its command line is read then), and counts what it could not keep: tags past the bounds
 * ({@code dropped_tags}) and environments it may not read ({@code unreadable_environs}).
 * Thread-safe.
 */
final class TagReader {

    private final ProcFs procFs;
    private final ServerMetrics metrics;

    TagReader(ProcFs procFs, ServerMetrics metrics) {
        this.procFs = procFs;
        this.metrics = metrics;
    }

    ProcessTags read(ProcessIdentity identity) {
        if (!identity.resolved()) {
            // its pid names nothing in our /proc: reading it would tag it with a stranger's environment
            return ProcessTags.NONE;
        }
        ProcessTags tags;
        try {
            byte[] environ = procFs.environ(identity.pid());
            if (environ == null || !sameProcess(identity)) {
                return ProcessTags.NONE;
            }
            tags = TagSelection.of(environ);
        } catch (ProcUnreadableException e) {
            metrics.unreadableEnvirons.incrementAndGet();
            return ProcessTags.UNREADABLE;
        }
        if (tags.dropped() > 0) {
            metrics.droppedTags.addAndGet(tags.dropped());
        }
        return tags;
    }

    /** The pid still names the process resolved: not a new one given the pid of one that just exited. */
    private boolean sameProcess(ProcessIdentity identity) {
        Optional<ProcStat> stat = procFs.stat(identity.pid());
        return stat.isPresent() && stat.get().startTicks() == identity.startTicks();
    }
}
