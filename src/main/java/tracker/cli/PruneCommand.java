package tracker.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Report;
import tracker.store.PruneResult;
import tracker.store.Times;

@Command(name = "prune",
        description = "Deletes history and audit records older than a duration, and processes that ended before it. "
                + "The live set is never pruned. Through the daemon when it runs. "
                + "(tracker serve --retention does this periodically.)")
final class PruneCommand extends QueryCommand {

    @Option(names = "--older-than", required = true, paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Age of what goes: 30d, 12h, 90m, or ISO-8601 (P30D). Above 0: where serve --retention 0 "
                    + "means 'keep everything', 0 here would delete every record, so it is refused "
                    + "(1s deletes all but the last second).")
    Duration olderThan;

    @Override
    boolean writes() {
        return true;
    }

    @Override
    void checkOptions() {
        cutoff();
    }

    /** Now less --older-than; refused when that would delete every record, or is before the year 1. */
    private java.time.Instant cutoff() {
        if (olderThan.isZero()) {
            throw usage("--older-than 0 would delete all history and audit records (for serve --retention, 0 keeps"
                    + " everything): give an age above 0, such as 1s");
        }
        try {
            return TimeParser.ago(olderThan, root.clock(), olderThan.toString());
        } catch (IllegalArgumentException e) {
            throw usage("--older-than " + olderThan.toDays() + "d reaches before the year 1: nothing is that old");
        }
    }

    @Override
    int run(Backend backend) {
        long cutoff = Times.micros(cutoff());
        PruneResult result = backend.prune(cutoff);
        Report report = new Report("cutoff", "history_chunks", "history_events", "reaps", "processes");
        report.add(Times.instant(cutoff), result.chunks(), result.events(), result.reaps(), result.processes());
        print(report);
        return ExitCode.OK;
    }
}
