package tracker.cli;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Bytes;
import tracker.report.Format;
import tracker.report.Hex;
import tracker.report.LineWidth;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.report.Tags;
import tracker.store.LiveRow;
import tracker.store.Queries;
import tracker.store.ReapHoldings;
import tracker.store.Times;

@Command(name = "audit", sortOptions = false,
        description = "The reaps: processes that died holding device memory, when and why they were found dead, "
                + "and what they held, per device and kind. With --pid, the records each one held.")
final class AuditCommand extends QueryCommand {

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--since", paramLabel = "TIME", description = "Reaped from this time: ISO-8601, or 10m / 2h / 7d ago.")
    Instant since;

    @picocli.CommandLine.Mixin
    TagOption tag;

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /**
     * Per reap: which, who, when and why, what the process held ({@link HeldTotals}), its life,
     * and its command line; in JSON also {@code per_device} and, with --pid, {@code held}.
     */
    static final List<String> FIELDS = HeldTotals.between(List.of("reap_id", "pid", "reaped_at", "reason"),
            List.of("peak_bytes", "peak_at", "peaks", "first_seen", "last_seen", "uid", "tags", "command"));

    static final List<String> TABLE = List.of("reap_id", "pid", "reaped_at", "reason", "buffers", "cbs", "kernels",
            "total_bytes", "peak_bytes", "tags", "command");

    @Override
    int run(Backend backend) {
        Instant from = since;
        SqlFilter filter = new SqlFilter()
                .when(process.pid, "r.pid = ?")
                .when(from == null ? null : Times.utc(from), "r.reaped_at >= ?");
        tag.filter().addTo(filter, "r.process_id");
        Report reaps = new Report(concat(FIELDS, "per_device"));
        Map<Long, Report> heldByReap = new LinkedHashMap<>();
        List<Long> processIds = new java.util.ArrayList<>();
        List<Long> reapIds = new java.util.ArrayList<>();
        backend.jdbi().useHandle(handle -> {
            List<Object[]> rows = filter.query(handle, "SELECT r.* FROM reaps r" + filter.where()
                            + " ORDER BY r.reaped_at, r.id")
                    .map((rs, ctx) -> {
                        processIds.add(rs.getLong("process_id"));
                        Object[] reap = {rs.getLong("id"), rs.getObject("pid"),
                                Times.instant(Queries.micros(rs, "reaped_at")), rs.getString("reason")};
                        // the tags and per_device are read below
                        Object[] peak = PeakFields.cells(rs);
                        return HeldTotals.ofReap(rs).between(reap, peak[0], peak[1], peak[2],
                                Times.instant(Queries.micros(rs, "first_seen")),
                                Times.instant(Queries.micros(rs, "last_seen")), rs.getObject("uid"), null,
                                rs.getString("command"), null);
                    })
                    .list();
            Map<Long, Tags> tags = TagFilter.tagsOf(handle, processIds);
            Map<Long, List<tracker.store.PeakRow>> peaks = format() == Format.JSON
                    ? tracker.store.StoredPeaks.detailOf(handle, processIds) : Map.of();
            int peaksColumn = FIELDS.indexOf("peaks");
            for (int i = 0; i < rows.size(); i++) {
                Object[] row = rows.get(i);
                long reapId = (Long) row[0];
                reapIds.add(reapId);
                if (fleetScope() != null) {
                    row[0] = FleetHost.localIdOf(reapId); // the id the reap has on its host
                }
                if (row[peaksColumn] == null) {
                    row[peaksColumn] = PeakFields.detail(peaks.getOrDefault(processIds.get(i), List.of()));
                }
                row[row.length - 3] = tags.getOrDefault(processIds.get(i), Tags.NONE);
                row[row.length - 1] = perDevice(handle, reapId);
                reaps.add(row);
                if (process.pid != null) {
                    heldByReap.put(reapId, held(handle, reapId));
                }
            }
        });
        if (format() == Format.TABLE) {
            printTable(hosted(reaps, processIds), reapIds, heldByReap);
        } else if (format() == Format.JSON && process.pid != null) {
            Report withHeld = new Report(concat(reaps.columns(), "held"));
            for (int r = 0; r < reaps.rows().size(); r++) {
                Object[] row = reaps.rows().get(r);
                Object[] extended = java.util.Arrays.copyOf(row, row.length + 1);
                extended[row.length] = heldByReap.get(reapIds.get(r));
                withHeld.add(extended);
            }
            print(hosted(withHeld, processIds));
        } else if (format() == Format.CSV && process.pid != null) {
            Report flat = new Report("reap_id", "pid", "reaped_at", "reason", "kind", "device_id", "type", "buffer_id",
                    "size", "ref_count", "allocated_at", "tags");
            int tagsColumn = reaps.columns().indexOf("tags");
            List<Long> flatProcessIds = new java.util.ArrayList<>();
            for (int r = 0; r < reaps.rows().size(); r++) {
                Object[] row = reaps.rows().get(r);
                for (Object[] held : heldByReap.get(reapIds.get(r)).rows()) {
                    flat.add(row[0], row[1], row[2], row[3], held[0], held[1], held[2], held[3], held[4], held[5],
                            held[6], row[tagsColumn]);
                    flatProcessIds.add(processIds.get(r));
                }
            }
            print(hosted(flat, flatProcessIds));
        } else {
            Report shown = hosted(reaps, processIds);
            print(format() == Format.CSV ? shown.without("per_device").without("peaks") : shown);
        }
        return ExitCode.OK;
    }

    /** What a reap's process held per device, kind and type. */
    static Report perDevice(org.jdbi.v3.core.Handle handle, long reapId) {
        Report totals = new Report("device_id", "kind", "type", "records", "bytes");
        handle.createQuery("SELECT device_id, kind, type, records, bytes FROM reap_totals"
                        + " WHERE reap_id = ? ORDER BY device_id, kind, type")
                .bind(0, reapId)
                .map((rs, ctx) -> new Object[] {rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        new Bytes(rs.getLong(5))})
                .forEach(totals::add);
        return totals;
    }

    private static Report held(org.jdbi.v3.core.Handle handle, long reapId) {
        Report held = new Report("kind", "device_id", "type", "buffer_id", "size", "ref_count", "allocated_at");
        try {
            for (LiveRow row : ReapHoldings.of(handle.getConnection(), reapId)) {
                held.add(row.kind(), row.deviceId(), row.type(), new Hex(row.bufferId()), new Bytes(row.size()),
                        row.refCount(), Times.instant(row.allocatedAtMicros()));
            }
        } catch (java.sql.SQLException e) {
            throw new tracker.store.StorageException(e);
        }
        return held;
    }

    /** {@code reapIds}: each row's reap, by which {@code heldByReap} knows it. */
    private void printTable(Report reaps, List<Long> reapIds, Map<Long, Report> heldByReap) {
        if (reaps.isEmpty()) {
            out().println("No reaps" + (process.pid != null ? " of pid " + process.pid : "") + ".");
            out().flush();
            return;
        }
        LineWidth lineWidth = width.lineWidth();
        Renderer.table(reaps.select(TagColumn.shown(reaps, hosted(TABLE))).renamed("peak_bytes", PeakFields.TABLE_COLUMN),
                out(), lineWidth);
        for (int r = 0; r < reaps.rows().size(); r++) {
            out().println();
            Object reapId = reaps.cell(r, "reap_id");
            // the command line last, where a line too wide for the terminal is cut
            String heading = "Reap " + reapId + (fleetScope() == null ? "" : " on " + reaps.cell(r, FleetScope.COLUMN))
                    + ": pid " + Renderer.tableText(reaps.cell(r, "pid")) + ", "
                    + reaps.cell(r, "reason") + " at " + reaps.cell(r, "reaped_at") + ": ";
            out().println(lineWidth.fit(heading + Renderer.tableText(reaps.cell(r, "command")), heading.length()));
            indent((Report) reaps.cell(r, "per_device"));
            Report held = heldByReap.get(reapIds.get(r));
            if (held != null) {
                out().println("  held:");
                indent(held);
            }
        }
        out().flush();
    }

    private void indent(Report report) {
        java.io.StringWriter text = new java.io.StringWriter();
        Renderer.table(report, new java.io.PrintWriter(text));
        text.toString().lines().forEach(line -> out().println("    " + line));
    }

    private static List<String> concat(List<String> columns, String extra) {
        List<String> all = new java.util.ArrayList<>(columns);
        all.add(extra);
        return all;
    }
}
