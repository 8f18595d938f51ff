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

    @Option(names = "--older-than", required = true, paramLabel = "DURATION",
            description = "Age of what goes: 30d, 12h, 90m, or ISO-8601 (P30D).")
    String olderThan;

    @Override
    boolean writes() {
        return true;
    }

    @Override
    int run(Backend backend) {
        Duration age = DurationParser.parse(olderThan);
        if (age.isNegative()) {
            throw new IllegalArgumentException("--older-than must not be negative");
        }
        long cutoff = Times.micros(root.clock().instant().minus(age));
        PruneResult result = backend.prune(cutoff);
        Report report = new Report("cutoff", "history_chunks", "history_events", "reaps", "processes");
        report.add(Times.instant(cutoff), result.chunks(), result.events(), result.reaps(), result.processes());
        print(report);
        return ExitCode.OK;
    }
}
