package tracker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import tracker.report.RowWriter;
import tracker.store.LiveRow;
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

    @Override
    int run(Backend backend) {
        String kindFilter = kind == null ? null : Kinds.parse(kind);
        String typeFilter = type == null ? null : memoryType(type);
        List<LiveRecords.Owned> records = backend.jdbi().withHandle(handle -> LiveRecords.read(handle, pid));
        records.removeIf(o -> (device != null && o.row().deviceId() != device)
                || (kindFilter != null && !o.row().kind().equals(kindFilter))
                || (typeFilter != null && !o.row().type().equals(typeFilter)));
        records.sort(LiveRecords.ORDER);
        if (format() == Format.TABLE) {
            printGrouped(records, out());
            return ExitCode.OK;
        }
        try (RowWriter rows = new RowWriter(COLUMNS, format(), out())) {
            records.forEach(record -> rows.write(row(record)));
        }
        return ExitCode.OK;
    }

    private static Object[] row(LiveRecords.Owned record) {
        LiveRow row = record.row();
        return new Object[] {record.displayPid(), record.command(), row.deviceId(), row.kind(), row.type(),
                new Hex(row.bufferId()), new Bytes(row.size()), row.refCount(),
                Times.instant(row.allocatedAtMicros())};
    }

    private static String memoryType(String text) {
        try {
            return MemoryType.valueOf(text.trim().toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--type must be one of DRAM, L1, SYSTEM_MEMORY, L1_SMALL, TRACE; not '"
                    + text + "'");
        }
    }

    private record GroupKey(int deviceId, String kind, String type) {
        static GroupKey of(LiveRecords.Owned record) {
            return new GroupKey(record.row().deviceId(), record.row().kind(), record.row().type());
        }
    }

    /** Per device, then per kind and memory type: a heading with the totals, then the records. */
    private void printGrouped(List<LiveRecords.Owned> records, PrintWriter out) {
        if (records.isEmpty()) {
            out.println("No live allocations.");
            out.flush();
            return;
        }
        // records arrive sorted by device, kind, type: each group is a run
        Map<GroupKey, List<LiveRecords.Owned>> groups = new LinkedHashMap<>();
        long bytes = 0;
        for (LiveRecords.Owned record : records) {
            groups.computeIfAbsent(GroupKey.of(record), key -> new ArrayList<>()).add(record);
            bytes += record.row().size();
        }
        Integer lastDevice = null;
        boolean allListed = true;
        for (Map.Entry<GroupKey, List<LiveRecords.Owned>> group : groups.entrySet()) {
            GroupKey key = group.getKey();
            List<LiveRecords.Owned> members = group.getValue();
            long groupBytes = members.stream().mapToLong(o -> o.row().size()).sum();
            if (!Integer.valueOf(key.deviceId()).equals(lastDevice)) {
                out.println("Device " + key.deviceId() + ":");
                lastDevice = key.deviceId();
            }
            out.println("  " + Kinds.heading(key.kind(), key.type()) + ": " + members.size() + " "
                    + Kinds.noun(key.kind(), members.size()) + ", " + Bytes.human(groupBytes) + " total");
            if (all || members.size() <= LIST_LIMIT) {
                printRecords(members, out);
            } else {
                allListed = false;
            }
        }
        out.println("Total: " + records.size() + " records, " + Bytes.human(bytes)
                + (allListed ? "" : " (groups of more than " + LIST_LIMIT + " records show their totals; --all lists them)"));
        out.flush();
    }

    private static void printRecords(List<LiveRecords.Owned> members, PrintWriter out) {
        Report report = new Report("buffer_id", "size", "pid", "ref_count", "allocated_at", "command");
        for (LiveRecords.Owned member : members) {
            Object[] row = row(member);
            report.add(row[5], row[6], row[0], row[7], row[8], row[1]);
        }
        StringWriter text = new StringWriter();
        Renderer.table(report, new PrintWriter(text));
        text.toString().lines().forEach(line -> out.println("    " + line));
    }
}
