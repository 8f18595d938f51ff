package tracker.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import tracker.report.Report;

@Command(name = "hosts",
        description = {"The hosts of a fleet store (--db postgresql://...): when each last shipped records, when its "
                + "copy was last caught up, and its lag: how long ago that was.",
                "JSON and CSV: host, machine_id, last_shipped_at, caught_up_at, lag_ms."})
final class HostsCommand extends QueryCommand {

    static final List<String> FIELDS = List.of("host", "machine_id", "last_shipped_at", "caught_up_at", "lag_ms");

    @Override
    void checkOptions() {
        if (database.fleet().isEmpty()) {
            throw usage("tracker hosts lists the hosts of a fleet store: give --db postgresql://user@host:port/db");
        }
    }

    @Override
    int run(Backend backend) {
        FleetScope scope = backend.fleet().orElseThrow();
        Report report = report(scope.hosts(), root.clock().instant());
        if (report.isEmpty() && format() == tracker.report.Format.TABLE) {
            out().println("No hosts have shipped to this fleet store yet.");
            out().flush();
        } else if (format() == tracker.report.Format.TABLE) {
            tracker.report.Renderer.table(tableOf(report), out());
            out().flush();
        } else {
            print(report);
        }
        return ExitCode.OK;
    }

    /** Per host: who, when it last shipped and was caught up, and how long before {@code now} that was (never below 0). */
    static Report report(List<FleetHost> hosts, Instant now) {
        Report report = new Report(FIELDS);
        for (FleetHost host : hosts) {
            Long lag = host.shippedUpTo() == null ? null
                    : Math.max(0, Duration.between(host.shippedUpTo(), now).toMillis());
            report.add(host.name(), host.machineId(), host.lastShipped(), host.caughtUp(), lag);
        }
        return report;
    }

    /** The lag as a person reads it: {@code 850ms}, {@code 12.4s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}. */
    static Report tableOf(Report report) {
        Report table = new Report("host", "machine_id", "last_shipped_at", "caught_up_at", "lag");
        for (Object[] row : report.rows()) {
            table.add(row[0], row[1], row[2], row[3], row[4] == null ? null : readable((Long) row[4]));
        }
        return table;
    }

    static String readable(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        if (seconds < 86_400) {
            return String.format(java.util.Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(java.util.Locale.ROOT, "%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600);
    }
}
