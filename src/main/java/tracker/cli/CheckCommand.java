package tracker.cli;

import java.sql.Connection;
import picocli.CommandLine.Command;
import tracker.report.Format;
import tracker.report.Report;
import tracker.store.DatabaseCheck;

@Command(name = "check",
        description = {"Verifies the whole database: every stored blob (history chunks, live-set segments, reap "
                + "holdings) passes its checksum and decodes; the live set belongs to processes that exist and have "
                + "not ended; each reap's totals match what it held; the event counter adds up against the history; "
                + "and the file is not older than what was last committed to it.",
                "Prints what is wrong, one line each; exit 0 when nothing is, 1 when something is. Through the "
                        + "daemon when it runs (on one snapshot of its data), else on the file."})
final class CheckCommand extends QueryCommand {

    @Override
    boolean readsFleet() {
        return false;
    }

    @Override
    String whyNotOnFleet() {
        return "which holds copies, not the files tracker check verifies: run it on the host";
    }


    @Override
    int run(Backend backend) {
        long marker = DatabaseCheck.markerBefore(database.resolve());
        DatabaseCheck.Result result = backend.withConnection(connection -> {
            int isolation = connection.getTransactionIsolation();
            boolean autoCommit = connection.getAutoCommit();
            connection.setTransactionIsolation(tracker.store.Database.SNAPSHOT_ISOLATION);
            connection.setAutoCommit(false);
            try {
                return DatabaseCheck.run(connection, database.resolve(), marker);
            } finally {
                connection.rollback();
                connection.setAutoCommit(autoCommit);
                connection.setTransactionIsolation(isolation);
            }
        });
        if (format() == Format.TABLE) {
            for (DatabaseCheck.Problem problem : result.problems()) {
                out().println(problem.object() + ": " + problem.problem());
            }
            out().println((result.ok() ? "ok: " : result.problems().size() + " problems; ")
                    + String.format("checked %,d history chunks (%,d events), %,d live-set segments (%,d records),"
                                    + " %,d reap holdings (%,d records)", result.historyChunks(),
                            result.historyEvents(), result.liveSegments(), result.liveRecords(),
                            result.reapHoldings(), result.heldRecords()));
            out().flush();
        } else {
            Report report = new Report("object", "problem");
            result.problems().forEach(problem -> report.add(problem.object(), problem.problem()));
            print(report);
        }
        return result.ok() ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }
}
