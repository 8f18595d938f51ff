package tracker.cli;

import java.util.List;
import picocli.CommandLine.Command;
import tracker.report.Report;
import tracker.store.ReapRecord;
import tracker.store.Times;

@Command(name = "reap",
        description = "One reaper pass now: every tracked process found dead loses its live records, "
                + "with an audit record. Through the daemon when it runs, on the database file when it does not.")
final class ReapCommand extends QueryCommand {

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /** Per reaped process: who, why, what it held ({@link HeldTotals}), when, then the command line. */
    static final List<String> FIELDS = HeldTotals.between(List.of("pid", "reason"), List.of("reaped_at", "command"));

    static final List<String> TABLE = List.of("pid", "reason", "buffers", "cbs", "kernels", "total_bytes", "reaped_at",
            "command");

    @Override
    boolean writes() {
        return true;
    }

    @Override
    int run(Backend backend) {
        List<ReapRecord> reaped = backend.reapNow();
        Report report = new Report(FIELDS);
        for (ReapRecord reap : reaped) {
            report.add(HeldTotals.of(reap.kindTotals()).between(new Object[] {reap.process().pid(), reap.reason()},
                    Times.instant(reap.reapedAtMicros()), reap.process().command()));
        }
        if (reaped.isEmpty() && format() == tracker.report.Format.TABLE) {
            out().println("Nothing to reap: every tracked process holding memory is alive.");
            out().flush();
        } else {
            print(report, TABLE, width.lineWidth());
        }
        return ExitCode.OK;
    }
}
