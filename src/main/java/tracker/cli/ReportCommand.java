package tracker.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.ChartCapacity;
import tracker.report.Downsampler;
import tracker.report.ReportPage;
import tracker.store.Times;

@Command(name = "report", sortOptions = false,
        description = {"Writes one self-contained HTML page (no network needed to open it) for a CI artifact or a "
                + "post-mortem: a summary (processes, reaps, leaks, peaks), a chart per device of live bytes over "
                + "time per memory kind with the reaps marked, the processes that held the most, and the leaks.",
                "Long histories are drawn from --points points per series, each the lowest, highest and last "
                        + "level of its stretch of time: no peak is lost. Client text (commands) is escaped."})
final class ReportCommand extends QueryCommand {

    /** The processes that held the most, and the leaks, listed at most. */
    static final int TABLE_ROWS = 20;

    @Option(names = "--html", paramLabel = "FILE", required = true,
            description = "Write the page to FILE (replaced whole once complete); - for standard output.")
    String html;

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--since", paramLabel = "TIME", description = "From this time: ISO-8601, or 10m / 2h / 7d ago.")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME",
            description = "Up to this time, not before --since (default: the last event): ISO-8601, or 10m / 2h / 7d ago.")
    Instant until;

    @Option(names = "--points", paramLabel = "N", defaultValue = "600", converter = CountConverter.class,
            description = "Points per series in the charts, 10 to 5000. Default: ${DEFAULT-VALUE}.")
    int points;

    @Override
    void checkOptions() {
        if (format() != tracker.report.Format.TABLE) {
            throw usage("tracker report writes HTML (--html); --format is for the other commands");
        }
        if (since != null && until != null && since.isAfter(until)) {
            throw usage("--since " + since + " is after --until " + until + ": nothing can be in between");
        }
        if (points < 10 || points > 5000) {
            throw usage("--points " + points + " is not between 10 and 5000");
        }
    }

    @Override
    int run(Backend backend) {
        if (!html.equals("-") && backend.daemonFigures().isPresent()) {
            // a path named to the daemon would be written with the daemon's rights: the CLI writes the file
            throw usage("through the daemon's command socket the page goes to standard output: --html -");
        }
        HistoryFilter filter = new HistoryFilter(process.pid, null, null,
                since == null ? Long.MIN_VALUE : Times.micros(since), until == null ? Long.MAX_VALUE : Times.micros(until),
                new TagFilter(List.of()));
        List<String> damaged = new ArrayList<>();
        ReportPage.Content content = backend.withConnection(history -> backend.withConnection(other -> {
            ReportFacts facts = new ReportFacts(other, filter);
            long[] span = facts.span(root.clock().instant());
            Downsampler timeline = new Downsampler(span[0], span[1], points);
            new LiveBytesTimeline(filter, new LiveBytesTimeline.Listener() {
                @Override
                public void level(long micros, MemoryGroup group, long bytes) {
                    timeline.level(new Downsampler.Series(group.deviceId(), group.label()), micros, bytes);
                }

                @Override
                public void reap(LiveBytesTimeline.ReapMark reap) {
                    timeline.reap(reap.micros(), reap.bytes(), "pid " + LiveRecords.displayPid(reap.pid(), 0) + " ("
                            + reap.reason() + ", " + tracker.report.Bytes.human(reap.bytes()) + "): " + reap.command());
                }
            }).walk(history, other, damaged::add);
            long[] leaks = facts.leakTotals();
            return new ReportPage.Content(root.clock().instant(), scope(), timeline, capacity(backend),
                    facts.processCount(), facts.reapCount(), leaks[0], leaks[1], facts.holders(TABLE_ROWS),
                    facts.leaks(TABLE_ROWS), damaged);
        }));
        write(content);
        if (!damaged.isEmpty()) {
            java.io.PrintWriter err = spec.commandLine().getErr();
            damaged.forEach(message -> err.println("tracker: skipped " + message));
            err.flush();
            return ExitCode.UNAVAILABLE;
        }
        return ExitCode.OK;
    }

    /**
     * What each device's memory holds, for the charts' capacity lines: the daemon's device sizes
     * (its --device-info, else sysfs), or on the file TRACKER_DEVICE_INFO's, else this host's.
     */
    static ChartCapacity capacity(Backend backend) {
        tracker.device.DeviceCapacities capacities = backend.capacities();
        return (deviceId, memory) -> capacities.bytesOf(deviceId, tracker.device.Memory.valueOf(memory));
    }

    private String scope() {
        return process.pid == null ? "all processes" : "pid " + process.pid;
    }

    private void write(ReportPage.Content content) {
        try {
            if (html.equals("-")) {
                ReportPage.write(out(), content);
                return;
            }
            Path target = Path.of(html).toAbsolutePath();
            Path partial = Files.createTempFile(target.getParent(), ".report", ".html.partial");
            try {
                try (Writer writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
                    ReportPage.write(writer, content);
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + html + ": " + e.getMessage(), e);
        }
    }
}
