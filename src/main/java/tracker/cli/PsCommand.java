package tracker.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.proc.Liveness;
import tracker.proc.ProcFs;
import tracker.proc.ProcessProbe;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.report.Tags;
import tracker.store.Queries;
import tracker.store.Times;

@Command(name = "ps", sortOptions = false,
        description = "Tracked processes: pid, command, state (live, dead, unresolved, or ended with its reason), "
                + "first and last seen, live records and bytes per kind. By default the processes not yet ended.")
final class PsCommand extends QueryCommand {

    @Option(names = "--all", description = "Also the processes that ended.")
    boolean all;

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only processes first seen from this time (ISO-8601, or 10m / 2h / 7d ago): a CI job's own.")
    java.time.Instant since;

    @picocli.CommandLine.Mixin
    TagOption tag;

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /**
     * Per process: who, when, what it holds now ({@link HeldTotals}), its peak ({@link PeakFields}),
     * then the command line. CSV has no {@code peaks}.
     */
    static final List<String> FIELDS = HeldTotals.between(List.of("pid", "state", "first_seen", "last_seen"),
            List.of("peak_bytes", "peak_at", "peaks", "uid", "tags", "command"));

    static final List<String> TABLE = List.of("pid", "state", "first_seen", "last_seen", "buffers", "cbs", "kernels",
            "total_bytes", "peak_bytes", "uid", "tags", "command");

    @Override
    int run(Backend backend) {
        ProcessProbe probe = new ProcessProbe(new ProcFs());
        SqlFilter filter = new SqlFilter().when(process.pid, "p.pid = ?")
                .when(since == null ? null : Times.utc(since), "p.first_seen >= ?");
        if (!all) {
            filter.always("p.ended_at IS NULL");
        }
        tag.filter().addTo(filter, "p.id");
        Report rows = new Report(FIELDS);
        List<Long> ids = new java.util.ArrayList<>();
        backend.jdbi().useHandle(handle -> {
            Map<Long, HeldTotals> held = LiveRecords.totalsByProcess(handle, process.pid);
            List<Object[]> found = filter.query(handle, "SELECT p.* FROM processes p" + filter.where()
                            + " ORDER BY p.first_seen, p.id")
                .map((rs, ctx) -> {
                    ids.add(rs.getLong("id"));
                    Integer hostPid = (Integer) rs.getObject("pid");
                    Long start = (Long) rs.getObject("start_ticks");
                    String ended = rs.getString("end_reason");
                    String state;
                    if (ended != null) {
                        state = "ended (" + ended.toLowerCase(java.util.Locale.ROOT) + ")";
                    } else if (hostPid == null || start == null) {
                        state = "unresolved";
                    } else if (fleetScope() != null) {
                        // another machine's pid: live as its host last shipped it (its reaper ends the dead)
                        state = "live";
                    } else {
                        state = probe.probe(hostPid, start, rs.getString("boot_id")) == Liveness.ALIVE ? "live" : "dead";
                    }
                    Object[] peak = PeakFields.cells(rs);
                    return held.getOrDefault(rs.getLong("id"), HeldTotals.NONE).between(new Object[] {
                            LiveRecords.displayPid(hostPid, rs.getInt("reported_pid")), state,
                            Times.instant(Queries.micros(rs, "first_seen")),
                            Times.instant(Queries.micros(rs, "last_seen"))},
                            peak[0], peak[1], peak[2], rs.getObject("uid"), null, rs.getString("command"));
                })
                .list();
            Map<Long, Tags> tags = TagFilter.tagsOf(handle, ids);
            Map<Long, List<tracker.store.PeakRow>> peaks = format() == tracker.report.Format.JSON
                    ? tracker.store.StoredPeaks.detailOf(handle, ids) : Map.of();
            for (int i = 0; i < found.size(); i++) {
                Object[] row = found.get(i);
                row[row.length - 2] = tags.getOrDefault(ids.get(i), Tags.NONE);
                row[row.length - 4] = PeakFields.detail(peaks.getOrDefault(ids.get(i), List.of()));
                rows.add(row);
            }
        });
        Report report = hosted(rows, ids);
        if (format() == tracker.report.Format.TABLE) {
            Renderer.table(report.select(TagColumn.shown(report, hosted(TABLE))).renamed("peak_bytes",
                            PeakFields.TABLE_COLUMN),
                    out(), width.lineWidth());
            out().flush();
        } else {
            print(format() == tracker.report.Format.CSV ? report.without("peaks") : report);
        }
        return ExitCode.OK;
    }
}
