package tracker.cli;

import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Format;
import tracker.report.Report;
import tracker.report.Tags;
import tracker.store.Queries;
import tracker.store.Times;

@Command(name = "leaks", sortOptions = false,
        description = {"The CI gate: processes that died holding device memory (from the audit) and, with --live, "
                + "live processes holding more than --max-bytes.",
                "--group-by KEY adds them up per value of a tag; --format junit writes a JUnit XML report, one "
                        + "test case per process in scope.",
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

    @picocli.CommandLine.Mixin
    TagOption tag;

    @Option(names = "--max-bytes", paramLabel = "SIZE", defaultValue = "0", converter = SizeConverter.class,
            description = "Tolerate up to SIZE per process: bytes, or with a unit (512MiB, 1GiB, 2GB). "
                    + "Default: ${DEFAULT-VALUE}.")
    long maxBytes;

    @Option(names = "--live", description = "Also report live processes holding more than --max-bytes.")
    boolean live;

    @Option(names = "--group-by", paramLabel = "KEY",
            description = "Per value of the tag KEY: the leaking processes, their records and bytes, and the last "
                    + "time; processes without the tag under (none).")
    String groupBy;

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /** Per process: who, then what it holds or held ({@link HeldTotals}), its tags, then the command line. */
    static final List<String> FIELDS = HeldTotals.between(List.of("pid", "state"),
            List.of("reaped_at", "reason", "tags", "command"));

    static final List<String> TABLE = List.of("pid", "state", "buffers", "cbs", "kernels", "total_bytes", "reaped_at",
            "reason", "tags", "command");

    @Override
    boolean acceptsJunit() {
        return true;
    }

    @Override
    void checkOptions() {
        if (groupBy != null && groupBy.isEmpty()) {
            throw usage("--group-by needs a tag key");
        }
        if (groupBy != null && format() == Format.JUNIT) {
            throw usage("--group-by and --format junit do not go together: a JUnit report has one test case per "
                    + "process");
        }
    }

    @Override
    int run(Backend backend) {
        List<Leak> leaks = new ArrayList<>();
        List<Leak> clean = new ArrayList<>();
        Map<Long, Tags> tags = backend.jdbi().withHandle(handle -> {
            findLeaks(handle, leaks, format() == Format.JUNIT ? clean : null);
            List<Long> ids = new ArrayList<>();
            leaks.forEach(leak -> ids.add(leak.processId()));
            clean.forEach(leak -> ids.add(leak.processId()));
            return TagFilter.tagsOf(handle, ids);
        });
        if (format() == Format.JUNIT) {
            List<LeakReport.Case> cases = new ArrayList<>();
            backend.jdbi().useHandle(handle -> {
                for (Leak leak : leaks) {
                    cases.add(new LeakReport.Case(leak, true, tags.getOrDefault(leak.processId(), Tags.NONE),
                            leak.reapId() == null ? null : AuditCommand.perDevice(handle, leak.reapId()),
                            hostOf(leak)));
                }
            });
            for (Leak passed : clean) {
                cases.add(new LeakReport.Case(passed, false, tags.getOrDefault(passed.processId(), Tags.NONE), null,
                        hostOf(passed)));
            }
            LeakReport.junit(cases, out());
            out().flush();
        } else if (groupBy != null) {
            Report groups = LeakGroups.of(groupBy, leaks, tags);
            if (groups.isEmpty() && format() == Format.TABLE) {
                out().println("No leaks.");
                out().flush();
            } else {
                print(groups);
            }
        } else {
            Report found = new Report(FIELDS);
            for (Leak leak : leaks) {
                found.add(leak.held().between(new Object[] {leak.pid(), leak.state()}, leak.reapedAt(),
                        leak.reason(), tags.getOrDefault(leak.processId(), Tags.NONE), leak.command()));
            }
            Report report = hosted(found, leaks.stream().map(Leak::processId).toList());
            if (report.isEmpty() && format() == Format.TABLE) {
                out().println("No leaks.");
                out().flush();
            } else {
                print(report, TABLE, width.lineWidth());
            }
        }
        return leaks.isEmpty() ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    /**
     * A process the gate judged.
     *
     * @param reapedAt when it was found dead; null while it lives
     * @param lastAt   when it was last heard of: reaped, or last seen
     * @param reapId   its audit record; null for a live process
     */
    record Leak(long processId, Object pid, String state, HeldTotals held, Instant reapedAt, String reason,
                String command, Instant lastAt, Long reapId) {
    }

    /**
     * The leaks in {@code leaks}, in the order shown; with {@code clean} non-null, also every other process in
     * scope, which passed (for a JUnit report).
     */
    private void findLeaks(org.jdbi.v3.core.Handle handle, List<Leak> leaks, List<Leak> clean) {
        Instant from = since;
        PathMatcher glob = command;
        TagFilter tags = tag.filter();
        SqlFilter dead = new SqlFilter()
                .when(process.pid, "pid = ?")
                .when(from == null ? null : Times.utc(from), "reaped_at >= ?");
        tags.addTo(dead, "process_id");
        dead.query(handle, "SELECT * FROM reaps" + dead.where() + " ORDER BY reaped_at, id")
                .map((rs, ctx) -> {
                    Instant reapedAt = Times.instant(Queries.micros(rs, "reaped_at"));
                    return new Leak(rs.getLong("process_id"), rs.getObject("pid"), "dead", HeldTotals.ofReap(rs),
                            reapedAt, rs.getString("reason"), rs.getString("command"), reapedAt, rs.getLong("id"));
                })
                .filter(leak -> matches(glob, leak.command()))
                .forEach(leak -> (leak.held().totalBytes() > maxBytes ? leaks : orNowhere(clean)).add(leak));
        if (!live && clean == null) {
            return;
        }
        // per live process: its records and bytes by kind, from the segments
        Map<Long, HeldTotals> held = LiveRecords.totalsByProcess(handle, process.pid);
        // since the job's start: a process another job started before it is not this job's leak
        SqlFilter others = new SqlFilter().when(process.pid, "p.pid = ?")
                .when(from == null ? null : Times.utc(from), "p.first_seen >= ?")
                // the reaped ones are above
                .always("NOT EXISTS (SELECT 1 FROM reaps r WHERE r.process_id = p.id)");
        if (clean == null) {
            others.always("p.ended_at IS NULL");
        }
        tags.addTo(others, "p.id");
        others.query(handle, "SELECT p.id, p.pid, p.command, p.ended_at, p.end_reason, p.last_seen FROM processes p"
                        + others.where() + " ORDER BY p.pid, p.id")
                .map((rs, ctx) -> {
                    boolean ended = rs.getObject("ended_at") != null;
                    String state = ended ? "ended (" + rs.getString("end_reason").toLowerCase(java.util.Locale.ROOT)
                            + ")" : "live";
                    return new Leak(rs.getLong("id"), rs.getObject("pid"), state,
                            held.getOrDefault(rs.getLong("id"), HeldTotals.NONE), null, null,
                            rs.getString("command"), Times.instant(Queries.micros(rs, "last_seen")), null);
                })
                .filter(leak -> matches(glob, leak.command()))
                .forEach(leak -> (live && leak.state().equals("live") && leak.held().totalBytes() > maxBytes ? leaks
                        : orNowhere(clean)).add(leak));
    }

    /** The leak's host on a fleet store; else null. */
    private String hostOf(Leak leak) {
        return fleetScope() == null ? null : fleetScope().hostOf(leak.processId());
    }

    private static List<Leak> orNowhere(List<Leak> list) {
        return list != null ? list : new ArrayList<>();
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
