package tracker.cli;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Report;
import tracker.store.Queries;
import tracker.store.Times;

@Command(name = "leaks", sortOptions = false,
        description = {"The CI gate: processes that died holding device memory (from the audit) and, with --live, "
                + "live processes holding more than --max-bytes.",
                "Exit 0 when there are none, 1 when there are any."})
final class LeaksCommand extends QueryCommand {

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only processes of this CI job: reaped from this time and, with --live, first seen from it "
                    + "(ISO-8601, or 10m / 2h / 7d ago): the start of the job. A job sharing a daemon with others "
                    + "gates on its own processes.")
    Instant since;

    @Option(names = "--command", paramLabel = "GLOB", converter = GlobConverter.class,
            description = "Only processes whose command line, or program name, matches this glob (e.g. 'python*').")
    PathMatcher command;

    @Option(names = "--max-bytes", paramLabel = "SIZE", defaultValue = "0", converter = SizeConverter.class,
            description = "Tolerate up to SIZE per process: bytes, or with a unit (512MiB, 1GiB, 2GB). "
                    + "Default: ${DEFAULT-VALUE}.")
    long maxBytes;

    @Option(names = "--live", description = "Also report live processes holding more than --max-bytes.")
    boolean live;

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /** Per process: who, then what it holds or held ({@link HeldTotals}), then the command line. */
    static final List<String> FIELDS = HeldTotals.between(List.of("pid", "state"),
            List.of("reaped_at", "reason", "command"));

    static final List<String> TABLE = List.of("pid", "state", "buffers", "cbs", "kernels", "total_bytes", "reaped_at",
            "reason", "command");

    @Override
    int run(Backend backend) {
        Instant from = since;
        PathMatcher glob = command;
        Report leaks = new Report(FIELDS);
        SqlFilter dead = new SqlFilter()
                .when(process.pid, "pid = ?")
                .when(from == null ? null : Times.utc(from), "reaped_at >= ?")
                .when(maxBytes, "buffer_bytes + cb_bytes + kernel_bytes > ?");
        backend.jdbi().useHandle(handle -> {
            dead.query(handle, "SELECT * FROM reaps" + dead.where() + " ORDER BY reaped_at, id")
                    .map((rs, ctx) -> row(rs.getObject("pid"), "dead", HeldTotals.ofReap(rs),
                            Times.instant(Queries.micros(rs, "reaped_at")), rs.getString("reason"),
                            rs.getString("command")))
                    .filter(row -> matches(glob, (String) row[row.length - 1])) // the command, last
                    .forEach(leaks::add);
            if (live) {
                // per live process: its records and bytes by kind, from the segments
                Map<Long, HeldTotals> held = LiveRecords.totalsByProcess(handle, process.pid);
                // since the job's start: a process another job started before it is not this job's leak
                SqlFilter alive = new SqlFilter().when(process.pid, "p.pid = ?")
                        .when(from == null ? null : Times.utc(from), "p.first_seen >= ?")
                        .always("p.ended_at IS NULL");
                alive.query(handle, "SELECT p.id, p.pid, p.command FROM processes p" + alive.where() + " ORDER BY p.pid")
                        .map((rs, ctx) -> new Alive(rs.getObject("pid"), rs.getString("command"),
                                held.getOrDefault(rs.getLong("id"), HeldTotals.NONE)))
                        .filter(holder -> holder.held().totalBytes() > maxBytes && matches(glob, holder.command()))
                        .forEach(holder -> leaks.add(row(holder.pid(), "live", holder.held(), null, null,
                                holder.command())));
            }
        });
        if (leaks.isEmpty() && format() == tracker.report.Format.TABLE) {
            out().println("No leaks.");
            out().flush();
        } else {
            print(leaks, TABLE, width.lineWidth());
        }
        return leaks.isEmpty() ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    private record Alive(Object pid, String command, HeldTotals held) {
    }

    private static Object[] row(Object pid, String state, HeldTotals held, Instant reapedAt, String reason,
                                String command) {
        return held.between(new Object[] {pid, state}, reapedAt, reason, command);
    }

    private static boolean matches(PathMatcher glob, String command) {
        if (glob == null) {
            return true;
        }
        String line = command == null ? "" : command;
        String program = line.split(" ", 2)[0];
        String name = program.isEmpty() ? "" : Path.of(program).getFileName().toString();
        return glob.matches(Path.of(line.replace('/', '\u2215'))) || (!name.isEmpty() && glob.matches(Path.of(name)));
    }
}
