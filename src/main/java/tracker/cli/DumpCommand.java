package tracker.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Bytes;
import tracker.report.Format;
import tracker.report.Hex;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.store.Times;
import tracker.wire.MemoryType;

@Command(name = "dump", sortOptions = false,
        description = "The live allocations (buffers, circular buffers, kernels) and who holds them. "
                + "As a table they are grouped per device and memory kind with totals.")
final class DumpCommand extends QueryCommand {

    @Option(names = "--pid", description = "Only this process (its pid on this host).")
    Integer pid;

    @Option(names = "--device", description = "Only this device id.")
    Integer device;

    @Option(names = "--kind", paramLabel = "buffer|cb|kernel", description = "Only this kind of record.")
    String kind;

    @Option(names = "--type", paramLabel = "DRAM|L1|SYSTEM_MEMORY|L1_SMALL|TRACE", description = "Only this memory type.")
    String type;

    static final List<String> COLUMNS = List.of("pid", "command", "device_id", "kind", "type", "buffer_id", "size",
            "ref_count", "allocated_at");

    @Override
    int run(Backend backend) {
        String kindName = kind == null ? null : Kinds.parse(kind);
        String typeName = type == null ? null : memoryType(type);
        SqlFilter filter = new SqlFilter()
                .when(pid, "p.pid = ?")
                .when(device, "a.device_id = ?")
                .when(kindName, "a.kind = ?")
                .when(typeName, "a.type = ?");
        Report report = new Report(COLUMNS);
        backend.jdbi().useHandle(handle -> filter.query(handle,
                        "SELECT p.pid, p.reported_pid, p.command, a.device_id, a.kind, a.type, a.buffer_id, a.size,"
                                + " a.ref_count, a.allocated_at FROM allocations a JOIN processes p ON p.id = a.process_id"
                                + filter.where() + " ORDER BY a.device_id, a.kind, a.type, a.buffer_id")
                .map((rs, ctx) -> new Object[] {
                        pidOf(rs), rs.getString("command"), rs.getInt("device_id"), rs.getString("kind"),
                        rs.getString("type"), new Hex(rs.getLong("buffer_id")), new Bytes(rs.getLong("size")),
                        rs.getInt("ref_count"), Times.instant(tracker.store.Queries.micros(rs, "allocated_at"))})
                .forEach(report::add));
        if (format() == Format.TABLE) {
            printGrouped(report, out());
        } else {
            print(report);
        }
        return ExitCode.OK;
    }

    static Object pidOf(java.sql.ResultSet rs) throws java.sql.SQLException {
        Object hostPid = rs.getObject("pid");
        return hostPid != null ? hostPid : "ns:" + rs.getInt("reported_pid");
    }

    private static String memoryType(String text) {
        try {
            return MemoryType.valueOf(text.trim().toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--type must be one of DRAM, L1, SYSTEM_MEMORY, L1_SMALL, TRACE; not '"
                    + text + "'");
        }
    }

    /** Per device, then per kind and memory type: a heading with the totals, then the records. */
    private static void printGrouped(Report report, PrintWriter out) {
        if (report.isEmpty()) {
            out.println("No live allocations.");
            out.flush();
            return;
        }
        Map<String, List<Object[]>> groups = new LinkedHashMap<>();
        long totalBytes = 0;
        for (Object[] row : report.rows()) {
            String key = row[2] + "\u0000" + row[3] + "\u0000" + row[4];
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
            totalBytes += ((Bytes) row[6]).value();
        }
        Object lastDevice = null;
        for (List<Object[]> rows : groups.values()) {
            Object[] first = rows.get(0);
            if (!first[2].equals(lastDevice)) {
                out.println("Device " + first[2] + ":");
                lastDevice = first[2];
            }
            long bytes = rows.stream().mapToLong(r -> ((Bytes) r[6]).value()).sum();
            out.println("  " + Kinds.heading((String) first[3], (String) first[4]) + ": " + rows.size() + " "
                    + Kinds.noun((String) first[3], rows.size()) + ", " + Bytes.human(bytes) + " total");
            Report group = new Report("buffer_id", "size", "pid", "ref_count", "allocated_at", "command");
            for (Object[] row : rows) {
                group.add(row[5], row[6], row[0], row[7], row[8], row[1]);
            }
            java.io.StringWriter text = new java.io.StringWriter();
            Renderer.table(group, new PrintWriter(text));
            text.toString().lines().forEach(line -> out.println("    " + line));
        }
        out.println("Total: " + report.rows().size() + " records, " + Bytes.human(totalBytes));
        out.flush();
    }
}
