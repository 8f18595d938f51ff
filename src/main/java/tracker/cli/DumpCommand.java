package tracker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Bytes;
import tracker.report.Format;
import tracker.report.Hex;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.report.RowWriter;
import tracker.store.Queries;
import tracker.store.Times;
import tracker.wire.MemoryType;

@Command(name = "dump", sortOptions = false,
        description = {"The live allocations (buffers, circular buffers, kernels) and who holds them.",
                "As a table, like the daemon's dump: per device and memory kind the count and the total, with the "
                        + "records listed when there are at most 10 (--all lists every one). "
                        + "JSON and CSV give every record."})
final class DumpCommand extends QueryCommand {

    /** Groups larger than this show only their totals in a table, as in the daemon's dump. */
    static final int LIST_LIMIT = 10;

    @Option(names = "--pid", description = "Only this process (its pid on this host).")
    Integer pid;

    @Option(names = "--device", description = "Only this device id.")
    Integer device;

    @Option(names = "--kind", paramLabel = "buffer|cb|kernel", description = "Only this kind of record.")
    String kind;

    @Option(names = "--type", paramLabel = "DRAM|L1|SYSTEM_MEMORY|L1_SMALL|TRACE", description = "Only this memory type.")
    String type;

    @Option(names = "--all", description = "In a table, list every record, not only those of groups of at most 10.")
    boolean all;

    static final List<String> COLUMNS = List.of("pid", "command", "device_id", "kind", "type", "buffer_id", "size",
            "ref_count", "allocated_at");

    private static final String SELECT = "SELECT p.pid, p.reported_pid, p.command, a.device_id, a.kind, a.type,"
            + " a.buffer_id, a.size, a.ref_count, a.allocated_at FROM allocations a"
            + " JOIN processes p ON p.id = a.process_id";

    @Override
    int run(Backend backend) {
        SqlFilter filter = filter();
        if (format() == Format.TABLE) {
            backend.jdbi().useHandle(handle -> printGrouped(handle, filter, out()));
            return ExitCode.OK;
        }
        try (RowWriter rows = new RowWriter(COLUMNS, format(), out())) {
            backend.jdbi().useHandle(handle -> filter.query(handle, SELECT + filter.where()
                            + " ORDER BY a.device_id, a.kind, a.type, a.buffer_id")
                    .map((rs, ctx) -> row(rs))
                    .forEach(rows::write));
        }
        return ExitCode.OK;
    }

    private SqlFilter filter() {
        return new SqlFilter()
                // by owner id, so the allocations_owner index serves it
                .when(pid, "a.process_id IN (SELECT id FROM processes WHERE pid = ?)")
                .when(device, "a.device_id = ?")
                .when(kind == null ? null : Kinds.parse(kind), "a.kind = ?")
                .when(type == null ? null : memoryType(type), "a.type = ?");
    }

    private static Object[] row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Object[] {pidOf(rs), rs.getString("command"), rs.getInt("device_id"), rs.getString("kind"),
                rs.getString("type"), new Hex(rs.getLong("buffer_id")), new Bytes(rs.getLong("size")),
                rs.getInt("ref_count"), Times.instant(Queries.micros(rs, "allocated_at"))};
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

    private record Group(int deviceId, String kind, String type, long count, long bytes) {
    }

    /** Per device, then per kind and memory type: a heading with the totals, then the records. */
    private void printGrouped(Handle handle, SqlFilter filter, PrintWriter out) {
        // the totals come from the database; only the records of listed groups are fetched
        List<Group> groups = filter.query(handle, "SELECT a.device_id, a.kind, a.type, COUNT(*), SUM(a.size)"
                        + " FROM allocations a JOIN processes p ON p.id = a.process_id" + filter.where()
                        + " GROUP BY a.device_id, a.kind, a.type ORDER BY a.device_id, a.kind, a.type")
                .map((rs, ctx) -> new Group(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)))
                .list();
        if (groups.isEmpty()) {
            out.println("No live allocations.");
            out.flush();
            return;
        }
        long records = 0;
        long bytes = 0;
        Integer lastDevice = null;
        for (Group group : groups) {
            records += group.count();
            bytes += group.bytes();
            if (!Integer.valueOf(group.deviceId()).equals(lastDevice)) {
                out.println("Device " + group.deviceId() + ":");
                lastDevice = group.deviceId();
            }
            out.println("  " + Kinds.heading(group.kind(), group.type()) + ": " + group.count() + " "
                    + Kinds.noun(group.kind(), group.count()) + ", " + Bytes.human(group.bytes()) + " total");
            if (all || group.count() <= LIST_LIMIT) {
                printRecords(handle, group, out);
            }
        }
        out.println("Total: " + records + " records, " + Bytes.human(bytes)
                + (all || groups.stream().allMatch(g -> g.count() <= LIST_LIMIT) ? ""
                        : " (groups of more than " + LIST_LIMIT + " records show their totals; --all lists them)"));
        out.flush();
    }

    private void printRecords(Handle handle, Group group, PrintWriter out) {
        SqlFilter inGroup = filter()
                .when(group.deviceId(), "a.device_id = ?")
                .when(group.kind(), "a.kind = ?")
                .when(group.type(), "a.type = ?");
        Report report = new Report("buffer_id", "size", "pid", "ref_count", "allocated_at", "command");
        List<Object[]> rows = new ArrayList<>();
        inGroup.query(handle, SELECT + inGroup.where() + " ORDER BY a.buffer_id")
                .map((rs, ctx) -> row(rs))
                .forEach(rows::add);
        for (Object[] row : rows) {
            report.add(row[5], row[6], row[0], row[7], row[8], row[1]);
        }
        StringWriter text = new StringWriter();
        Renderer.table(report, new PrintWriter(text));
        text.toString().lines().forEach(line -> out.println("    " + line));
    }
}
