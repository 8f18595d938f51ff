package tracker.cli;

import java.util.List;
import picocli.CommandLine.Command;
import tracker.report.Bytes;
import tracker.report.Report;
import tracker.store.ReapRecord;
import tracker.store.Times;

@Command(name = "reap",
        description = "One reaper pass now: every tracked process found dead loses its live records, "
                + "with an audit record. Through the daemon when it runs, on the database file when it does not.")
final class ReapCommand extends QueryCommand {

    @Override
    boolean writes() {
        return true;
    }

    @Override
    int run(Backend backend) {
        List<ReapRecord> reaped = backend.reapNow();
        Report report = new Report("pid", "command", "reason", "buffers", "cbs", "kernels", "bytes", "reaped_at");
        for (ReapRecord reap : reaped) {
            ReapRecord.KindTotals totals = reap.kindTotals();
            report.add(reap.process().pid(), reap.process().command(), reap.reason(), totals.count("BUFFER"),
                    totals.count("CB"), totals.count("KERNEL"),
                    new Bytes(totals.bytes("BUFFER") + totals.bytes("CB") + totals.bytes("KERNEL")),
                    Times.instant(reap.reapedAtMicros()));
        }
        if (reaped.isEmpty() && format() == tracker.report.Format.TABLE) {
            out().println("Nothing to reap: every tracked process holding memory is alive.");
            out().flush();
        } else {
            print(report);
        }
        return ExitCode.OK;
    }
}
