package tracker.cli;

import java.time.Instant;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Format;
import tracker.report.RowWriter;
import tracker.store.HistoryEvent;
import tracker.store.Times;

@Command(name = "history", sortOptions = false,
        description = {"Allocation events in time order: every ALLOC, FREE, CB_ALLOC, CB_FREE, KERNEL_LOAD and "
                + "KERNEL_UNLOAD the daemon received (queries and dump requests are not kept).",
                "The history is stored compactly, one chunk per process per commit window; times are the daemon's "
                        + "receive times, to the microsecond. ref_count is the record's count after the event "
                        + "(0: gone). A free shows the size and type of the record it released; one that released "
                        + "nothing shows none (unknown_free marks a free of a record that was not live). "
                        + "client_time is the client's timestamp (below 10^17 read as microseconds, else as "
                        + "nanoseconds; none when it sent 0, as in every FREE). "
                        + "With --buffer, a record of that address that a reap removed ends with a REAPED "
                        + "(CB_REAPED, KERNEL_REAPED) row at the reap's time, with what it held; everything a reap "
                        + "removed is in the audit (tracker audit).",
                "--format trace writes a Chrome trace (JSON) for Perfetto UI or chrome://tracing: live bytes per "
                        + "device and memory kind as counters, each process's lifetime, and its reap."})
final class HistoryCommand extends QueryCommand {

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--device", converter = CountConverter.class, description = "Only this device id.")
    Integer device;

    @Option(names = "--buffer", paramLabel = "ID", converter = BufferIdConverter.class,
            description = "Only this buffer id (address), hex 0x... or decimal; a record of it that a reap "
                    + "removed ends with the reap's row.")
    Long buffer;

    @Option(names = "--since", paramLabel = "TIME", description = "From this time: ISO-8601, or 10m / 2h / 7d ago.")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME",
            description = "Up to this time, not before --since: ISO-8601, or 10m / 2h / 7d ago.")
    Instant until;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", converter = CountConverter.class,
            description = "Only the N latest events, still in time order (0: all). Default: ${DEFAULT-VALUE}.")
    int limit;

    @picocli.CommandLine.Mixin
    TagOption tag;

    @Override
    boolean acceptsTrace() {
        return true;
    }

    @Override
    void checkOptions() {
        if (format() == Format.TRACE && buffer != null) {
            throw usage("--format trace draws every buffer's bytes over time: --buffer does not go with it");
        }
        if (format() == Format.TRACE && limit != 0) {
            throw usage("--format trace needs the whole span for its counters: use --since instead of --limit");
        }
        if (since != null && until != null && since.isAfter(until)) {
            throw usage("--since " + since + " is after --until " + until + ": no event can be in between");
        }
    }

    @Override
    int run(Backend backend) {
        Instant from = since;
        Instant to = until;
        HistoryFilter filter = new HistoryFilter(process.pid, device, buffer,
                from == null ? Long.MIN_VALUE : Times.micros(from), to == null ? Long.MAX_VALUE : Times.micros(to),
                tag.filter());
        java.util.List<String> damaged = new java.util.ArrayList<>();
        FleetScope fleet = fleetScope();
        if (format() == Format.TRACE) {
            if (fleet != null) {
                throw usage("--format trace is one host's timeline: run it on that host's database, not a fleet store");
            }
            HistoryTrace.write(backend, filter, out(), damaged);
        } else if (fleet != null && format() == Format.TABLE) {
            // the host first; rendered as a whole (HistoryTable streams one host's columns)
            tracker.report.Report table = new tracker.report.Report(hosted(HistoryTable.COLUMNS));
            read(backend, filter, event -> table.add(withHost(fleet, event)), damaged);
            tracker.report.Renderer.table(table, out());
            if (!damaged.isEmpty()) {
                out().println("(" + damaged.size() + " damaged history chunks skipped: their events are not shown)");
            }
        } else if (fleet != null) {
            try (RowWriter rows = new RowWriter(hosted(HistoryTable.COLUMNS), format(), out())) {
                read(backend, filter, event -> rows.write(withHost(fleet, event)), damaged);
            }
        } else if (format() == Format.TABLE) {
            HistoryTable table = new HistoryTable(out());
            read(backend, filter, table::add, damaged);
            table.finish();
            if (!damaged.isEmpty()) {
                out().println("(" + damaged.size() + " damaged history chunks skipped: their events are not shown)");
            }
        } else {
            try (RowWriter rows = new RowWriter(HistoryTable.COLUMNS, format(), out())) {
                read(backend, filter, event -> rows.write(HistoryTable.cells(event)), damaged);
            }
        }
        out().flush();
        if (damaged.isEmpty()) {
            return ExitCode.OK;
        }
        // the history shown is incomplete: say which chunks are missing, and never exit 0
        java.io.PrintWriter err = spec.commandLine().getErr();
        damaged.forEach(message -> err.println("tracker: skipped " + message));
        err.flush();
        return ExitCode.UNAVAILABLE;
    }

    private static Object[] withHost(FleetScope fleet, HistoryEvent event) {
        Object[] cells = HistoryTable.cells(event);
        Object[] row = new Object[cells.length + 1];
        row[0] = fleet.hostOf(event.processId());
        System.arraycopy(cells, 0, row, 1, cells.length);
        return row;
    }

    private void read(Backend backend, HistoryFilter filter, Consumer<HistoryEvent> sink, java.util.List<String> damaged) {
        backend.withConnection(connection -> {
            new HistoryReader(connection, filter, damaged::add).read(limit, sink);
            return null;
        });
    }
}
