package tracker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Bytes;
import tracker.report.Format;
import tracker.report.Hex;
import tracker.report.LineWidth;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.report.RowWriter;
import tracker.report.Tags;
import tracker.store.LiveRow;
import tracker.store.Times;
import tracker.wire.MemoryType;

@Command(name = "dump", sortOptions = false,
        description = {"The live allocations (buffers, circular buffers, kernels) and who holds them.",
                "As a table, like the daemon's dump: per device and memory kind the count and the total, with the "
                        + "records listed when there are at most 10 (--all lists every one); each device's heading "
                        + "gives the DRAM and L1 the records shown use of its capacity, where known. "
                        + "JSON and CSV give every record."})
final class DumpCommand extends QueryCommand {

    /** Groups larger than this show only their totals in a table, as in the daemon's dump. */
    static final int LIST_LIMIT = 10;

    @picocli.CommandLine.Mixin
    PidOption process;

    @Option(names = "--device", converter = CountConverter.class, description = "Only this device id.")
    Integer device;

    @Option(names = "--kind", paramLabel = "buffer|cb|kernel", converter = KindConverter.class,
            completionCandidates = KindConverter.Candidates.class, description = "Only this kind of record.")
    String kind;

    @Option(names = "--type", paramLabel = "DRAM|L1|SYSTEM_MEMORY|L1_SMALL|TRACE", converter = MemoryTypeConverter.class,
            completionCandidates = MemoryTypeConverter.Candidates.class, description = "Only this memory type.")
    String type;

    @Option(names = "--all", description = "In a table, list every record, not only those of groups of at most 10.")
    boolean all;

    @picocli.CommandLine.Mixin
    TagOption tag;

    @picocli.CommandLine.Mixin
    TableWidthOptions width;

    /** In JSON and CSV, per record; the command line last, as in every command. */
    static final List<String> COLUMNS = List.of("pid", "device_id", "kind", "type", "buffer_id", "size", "ref_count",
            "allocated_at", "tags", "command");

    /** The records a table lists under their group's heading, indented by {@link #RECORD_INDENT}. */
    private static final List<String> RECORD_COLUMNS = List.of("buffer_id", "size", "pid", "ref_count", "allocated_at",
            "tags", "command");

    private static final String RECORD_INDENT = "    ";

    @Override
    int run(Backend backend) {
        String kindFilter = kind;
        String typeFilter = type;
        TagFilter tagFilter = tag.filter();
        Set<Long> tagged = tagFilter.isEmpty() ? null
                : backend.withConnection(tagFilter::processIds);
        Predicate<LiveRecords.Owned> shown = o -> (device == null || o.row().deviceId() == device)
                && (kindFilter == null || o.row().kind().equals(kindFilter))
                && (typeFilter == null || o.row().type().equals(typeFilter))
                && (tagged == null || tagged.contains(o.row().processId()));
        if (format() == Format.TABLE) {
            // per group its totals and, unless it outgrows LIST_LIMIT (or --all), its records:
            // without --all, what is held is a few records per group, not the live set
            Map<GroupKey, Group> groups = new TreeMap<>(GroupKey.ORDER);
            Set<Long> owners = new HashSet<>();
            Map<Long, Tags> tags = backend.jdbi().withHandle(handle -> {
                LiveRecords.forEach(handle, process.pid, record -> {
                    if (shown.test(record)) {
                        owners.add(record.row().processId());
                        groups.computeIfAbsent(GroupKey.of(record, hostOf(record)), key -> new Group()).add(record, all);
                    }
                });
                return TagFilter.tagsOf(handle, owners);
            });
            CapacityUse capacity = new CapacityUse(backend.capacities());
            groups.forEach((key, group) -> capacity.add(key.deviceId(), key.kind(), key.type(), group.bytes));
            printGrouped(groups, capacity, tags, out(), width.lineWidth());
            return ExitCode.OK;
        }
        // every record, sorted: as much as the live set the daemon holds itself
        List<LiveRecords.Owned> records = new ArrayList<>();
        Map<Long, Tags> tags = backend.jdbi().withHandle(handle -> {
            records.addAll(LiveRecords.read(handle, process.pid));
            records.removeIf(shown.negate());
            Set<Long> owners = new HashSet<>();
            records.forEach(record -> owners.add(record.row().processId()));
            return TagFilter.tagsOf(handle, owners);
        });
        if (fleetScope() == null) {
            records.sort(LiveRecords.ORDER);
        } else {
            records.sort(Comparator.comparing(this::hostOf).thenComparing(LiveRecords.ORDER));
        }
        try (RowWriter rows = new RowWriter(hosted(COLUMNS), format(), out())) {
            records.forEach(record -> rows.write(hosted(row(record, tags), record)));
        }
        return ExitCode.OK;
    }

    /** A group's totals, and its records while they are few enough to be listed. */
    private static final class Group {
        long count;
        long bytes;
        List<LiveRecords.Owned> listed = new ArrayList<>();

        void add(LiveRecords.Owned record, boolean all) {
            count++;
            bytes += record.row().size();
            if (listed != null) {
                listed.add(record);
                if (!all && listed.size() > LIST_LIMIT) {
                    listed = null;
                }
            }
        }
    }

    /** The record's host on a fleet store; "" on a host's own database. */
    private String hostOf(LiveRecords.Owned record) {
        return fleetScope() == null ? "" : String.valueOf(fleetScope().hostOf(record.row().processId()));
    }

    /** {@code row} with the record's host first, on a fleet store. */
    private Object[] hosted(Object[] row, LiveRecords.Owned record) {
        if (fleetScope() == null) {
            return row;
        }
        Object[] cells = new Object[row.length + 1];
        cells[0] = hostOf(record);
        System.arraycopy(row, 0, cells, 1, row.length);
        return cells;
    }

    private static Object[] row(LiveRecords.Owned record, Map<Long, Tags> tags) {
        LiveRow row = record.row();
        return new Object[] {record.displayPid(), row.deviceId(), row.kind(), row.type(), new Hex(row.bufferId()),
                new Bytes(row.size()), row.refCount(), Times.instant(row.allocatedAtMicros()),
                tags.getOrDefault(row.processId(), Tags.NONE), record.command()};
    }

    /** {@code host}: on a fleet store, the record's host; "" on a host's own database. */
    private record GroupKey(String host, int deviceId, String kind, String type) {
        static final Comparator<GroupKey> ORDER = Comparator.comparing(GroupKey::host)
                .thenComparingInt(GroupKey::deviceId).thenComparing(GroupKey::kind).thenComparing(GroupKey::type);

        static GroupKey of(LiveRecords.Owned record, String host) {
            return new GroupKey(host, record.row().deviceId(), record.row().kind(), record.row().type());
        }
    }

    /** Per device, then per kind and memory type: a heading with the totals, then the records. */
    private void printGrouped(Map<GroupKey, Group> groups, CapacityUse capacity, Map<Long, Tags> tags, PrintWriter out,
                              LineWidth lineWidth) {
        if (groups.isEmpty()) {
            out.println("No live allocations.");
            out.flush();
            return;
        }
        Integer lastDevice = null;
        String lastHost = null;
        boolean allListed = true;
        long records = 0;
        long bytes = 0;
        for (Map.Entry<GroupKey, Group> entry : groups.entrySet()) {
            GroupKey key = entry.getKey();
            Group group = entry.getValue();
            records += group.count;
            bytes += group.bytes;
            if (fleetScope() != null && !key.host().equals(lastHost)) {
                out.println("Host " + key.host() + ":");
                lastHost = key.host();
                lastDevice = null;
            }
            if (!Integer.valueOf(key.deviceId()).equals(lastDevice)) {
                // what the shown records use of the device's DRAM and L1, where its size is known
                out.println("Device " + key.deviceId() + ":" + capacity.heading(key.deviceId()));
                lastDevice = key.deviceId();
            }
            out.println("  " + Kinds.heading(key.kind(), key.type()) + ": " + group.count + " "
                    + Kinds.noun(key.kind(), group.count) + ", "
                    + Bytes.human(group.bytes) + " total");
            if (group.listed != null) {
                group.listed.sort(LiveRecords.ORDER);
                printRecords(group.listed, tags, out, lineWidth);
            } else {
                allListed = false;
            }
        }
        out.println("Total: " + records + " records, " + Bytes.human(bytes)
                + (allListed ? "" : " (groups of more than " + LIST_LIMIT + " records show their totals; --all lists them)"));
        out.flush();
    }

    private static void printRecords(List<LiveRecords.Owned> members, Map<Long, Tags> tags, PrintWriter out,
                                     LineWidth lineWidth) {
        Report report = new Report(COLUMNS);
        for (LiveRecords.Owned member : members) {
            report.add(row(member, tags));
        }
        StringWriter text = new StringWriter();
        Renderer.table(report.select(TagColumn.shown(report, RECORD_COLUMNS)), new PrintWriter(text), lineWidth.less(RECORD_INDENT.length()));
        text.toString().lines().forEach(line -> out.println(RECORD_INDENT + line));
    }
}
