package tracker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import tracker.report.Bytes;
import tracker.report.Renderer;
import tracker.report.Report;
import tracker.server.ServerMetrics;
import tracker.store.LiveRow;
import tracker.store.Queries;

@Command(name = "stats",
        description = {"Totals per device and memory kind now; counts of processes, events, reaps, malformed frames "
                + "and unknown frees; and, while the daemon runs, its commit lag and queue depth.",
                "With --since and/or --until, also each device's peak live bytes per kind and type in that span, "
                        + "over all processes; on a fleet store per host and to the minute (every minute that overlaps"
                        + " the span counts whole).",
                "Where a device's size is known (serve --device-info, else the driver's card type in sysfs), its "
                        + "DRAM and L1 used, capacity and percent.",
                "JSON: {\"devices\": [...], \"capacity\": [...], \"counters\": {...}, \"daemon\": {...} or null}, "
                        + "and \"peaks\": [...] with --since/--until."})
final class StatsCommand extends QueryCommand {

    @picocli.CommandLine.Option(names = "--since", paramLabel = "TIME",
            description = "Device peaks from this time: ISO-8601, or 10m / 2h / 7d ago.")
    java.time.Instant since;

    @picocli.CommandLine.Option(names = "--until", paramLabel = "TIME",
            description = "Device peaks up to this time (default: now): ISO-8601, or 10m / 2h / 7d ago.")
    java.time.Instant until;

    /** Host (on a fleet store; else ""), device, kind, type: the order of {@link LiveRecords#ORDER} per host. */
    @SuppressWarnings("unchecked")
    private static final Comparator<List<Object>> GROUP_ORDER = Comparator
            .<List<Object>, String>comparing(key -> (String) key.get(0))
            .thenComparingInt(key -> (Integer) key.get(1))
            .thenComparing(key -> (String) key.get(2))
            .thenComparing(key -> (String) key.get(3));

    @Override
    int run(Backend backend) {
        if (since != null && until != null && since.isAfter(until)) {
            throw usage("--since " + since + " is after --until " + until);
        }
        boolean withPeaks = since != null || until != null;
        FleetScope fleet = fleetScope();
        // on a fleet store: the hosts' peaks per minute (usage_minutes), with the host first
        Report peaks = fleet != null && withPeaks
                ? backend.withConnection(connection -> FleetDevicePeaks.read(connection, fleet, since, until))
                : new Report("device_id", "kind", "type", "peak_bytes", "peak_at");
        Report devices = new Report("device_id", "kind", "type", "records", "bytes");
        Report[] perHost = {devices}; // on a fleet store, with the host first
        Map<String, Object> counters = new LinkedHashMap<>();
        CapacityUse capacityUse = new CapacityUse(backend.capacities());
        backend.jdbi().useHandle(handle -> {
            // [records, bytes] per device, kind and type, in that order; one process's records held at a time
            Map<List<Object>, long[]> groups = new TreeMap<>(GROUP_ORDER);
            List<String> hostsOfDevices = new java.util.ArrayList<>();
            java.util.Set<Long> holders = new java.util.HashSet<>();
            long[] total = new long[2];
            LiveRecords.forEach(handle, null, record -> {
                LiveRow row = record.row();
                String host = fleet == null ? "" : String.valueOf(fleet.hostOf(row.processId()));
                long[] group = groups.computeIfAbsent(List.of(host, row.deviceId(), row.kind(), row.type()),
                        k -> new long[2]);
                group[0]++;
                group[1] += row.size();
                total[0]++;
                total[1] += row.size();
                holders.add(row.processId());
                capacityUse.add(row.deviceId(), row.kind(), row.type(), row.size());
            });
            groups.forEach((key, group) -> {
                hostsOfDevices.add((String) key.get(0));
                devices.add(key.get(1), key.get(2), key.get(3), group[0], new Bytes(group[1]));
            });
            perHost[0] = fleet == null ? devices : devices.withFirst(FleetScope.COLUMN, hostsOfDevices);
            if (withPeaks && fleet == null) {
                for (tracker.store.PeakRow peak : tracker.store.StoredPeaks.devicePeaks(handle,
                        since == null ? null : tracker.store.Times.micros(since),
                        until == null ? null : tracker.store.Times.micros(until))) {
                    peaks.add(peak.deviceId(), peak.kind(), peak.type(), new Bytes(peak.peakBytes()),
                            tracker.store.Times.instant(peak.peakAtMicros()));
                }
            }
            counters.put("processes", count(handle, "SELECT COUNT(*) FROM processes"));
            counters.put("processes_holding_memory", (long) holders.size());
            counters.put("live_records", total[0]);
            counters.put("live_bytes", total[1]);
            counters.put("history_events", count(handle, "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks"));
            counters.put("reaps", count(handle, "SELECT COUNT(*) FROM reaps"));
            Queries.counters(handle).forEach((name, value) -> {
                // bookkeeping, not figures: the id floors a prune keeps, the fleet shipper's marks
                if (!name.equals("daemon_running") && !name.startsWith("id_floor_") && !name.startsWith("shipped_")) {
                    counters.put(name, value);
                }
            });
        });
        Optional<ServerMetrics.Snapshot> daemon = backend.daemonFigures();
        daemon.ifPresent(figures -> {
            // the committed figures lag by at most a window; while the daemon runs, its own are exact
            counters.put("events", Math.max((Long) counters.getOrDefault("events", 0L), figures.eventsApplied()));
            counters.put("malformed_frames", figures.malformedFrames());
        });
        Map<String, Object> live = daemon.map(StatsCommand::daemonFields).orElse(null);
        Report capacity = capacityUse.report();
        Report shipping = fleet == null ? null : HostsCommand.report(fleet.hosts(), root.clock().instant());
        switch (format()) {
            case JSON -> printJson(perHost[0], capacity, counters, live, withPeaks ? peaks : null, shipping);
            case CSV -> printCsv(perHost[0], capacity, counters, live, withPeaks ? peaks : null, shipping);
            default -> printTable(perHost[0], capacity, counters, live, withPeaks ? peaks : null, shipping);
        }
        return ExitCode.OK;
    }

    private static long count(org.jdbi.v3.core.Handle handle, String sql) {
        return handle.createQuery(sql).mapTo(Long.class).one();
    }

    private static Map<String, Object> daemonFields(ServerMetrics.Snapshot figures) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("running", true);
        fields.put("connections_open", figures.connectionsOpen());
        fields.put("connections_accepted", figures.connectionsAccepted());
        fields.put("frames_received", figures.framesReceived());
        fields.put("events_received", figures.eventsApplied());
        fields.put("events_committed", figures.eventsCommitted());
        fields.put("commits", figures.commits());
        fields.put("commit_lag_ms", figures.commitLagMicros() / 1000.0);
        fields.put("last_commit_lag_ms", figures.lastCommitLagMicros() / 1000.0);
        fields.put("max_commit_lag_ms", figures.maxCommitLagMicros() / 1000.0);
        fields.put("last_commit_ms", figures.lastCommitDurationMicros() / 1000.0);
        fields.put("max_commit_ms", figures.maxCommitDurationMicros() / 1000.0);
        fields.put("queue_depth", figures.queueDepth());
        fields.put("storage_failures", figures.storageFailures());
        if (figures.shipLagMicros() != ServerMetrics.Snapshot.NOT_SHIPPING) {
            // how old the newest local state is that the fleet store holds whole (tracker serve --ship-to)
            fields.put("ship_lag_ms", figures.shipLagMicros() / 1000.0);
        }
        return fields;
    }

    /** {@code shipping}: on a fleet store, each host's ship lag ({@link HostsCommand#report}); else null. */
    private void printTable(Report devices, Report capacity, Map<String, Object> counters, Map<String, Object> live,
                            Report peaks, Report shipping) {
        if (devices.isEmpty()) {
            out().println("No live allocations.");
        } else {
            Renderer.table(devices, out());
        }
        out().println();
        if (!capacity.isEmpty()) {
            // only where a device's size is known (--device-info or sysfs): nothing to say otherwise
            out().println("Capacity:");
            Renderer.table(capacity, out());
            out().println();
        }
        if (peaks != null) {
            String span = "Peaks" + (since == null ? "" : " from " + since) + (until == null ? " to now" : " to " + until)
                    + (shipping == null ? "" : ", by the minute");
            if (peaks.isEmpty()) {
                out().println(span + ": none.");
            } else {
                out().println(span + ":");
                Renderer.table(peaks, out());
            }
            out().println();
        }
        Report figures = new Report("counter", "value");
        counters.forEach((name, value) -> figures.add(name, name.endsWith("bytes") ? new Bytes((Long) value) : value));
        if (shipping != null) {
            figures.add("daemon", "none (figures from the fleet store)");
        } else if (live == null) {
            figures.add("daemon", "not running (figures from the database file)");
        } else {
            live.forEach((name, value) -> figures.add("daemon." + name, value));
        }
        Renderer.table(figures, out());
        if (shipping != null) {
            out().println();
            out().println("Shipping:");
            Renderer.table(HostsCommand.tableOf(shipping), out());
        }
        out().flush();
    }

    private void printCsv(Report devices, Report capacity, Map<String, Object> counters, Map<String, Object> live,
                          Report peaks, Report shipping) {
        if (shipping != null) {
            printFleetCsv(devices, counters, peaks, shipping);
            return;
        }
        Report rows = new Report("section", "name", "device_id", "kind", "type", "value");
        for (Object[] row : devices.rows()) {
            rows.add("device", "records", row[0], row[1], row[2], row[3]);
            rows.add("device", "bytes", row[0], row[1], row[2], row[4]);
        }
        // the memory (DRAM or L1) in the type column; no kind: a memory holds several
        for (Object[] row : capacity.rows()) {
            rows.add("capacity", "used_bytes", row[0], null, row[1], row[2]);
            rows.add("capacity", "capacity_bytes", row[0], null, row[1], row[3]);
            rows.add("capacity", "percent", row[0], null, row[1], row[4]);
        }
        if (peaks != null) {
            for (Object[] row : peaks.rows()) {
                rows.add("peak", "peak_bytes", row[0], row[1], row[2], row[3]);
                rows.add("peak", "peak_at", row[0], row[1], row[2], row[4]);
            }
        }
        counters.forEach((name, value) -> rows.add("counter", name, null, null, null, value));
        if (live != null) {
            live.forEach((name, value) -> rows.add("daemon", name, null, null, null, value));
        }
        Renderer.csv(rows, out());
        out().flush();
    }

    /**
     * As on a host's own database, with {@code host} first: empty for the fleet's counters; then
     * each host's lag. {@code peaks}: {@link FleetDevicePeaks#COLUMNS}, or null without a span.
     */
    private void printFleetCsv(Report devices, Map<String, Object> counters, Report peaks, Report shipping) {
        Report rows = new Report("host", "section", "name", "device_id", "kind", "type", "value");
        for (Object[] row : devices.rows()) {
            rows.add(row[0], "device", "records", row[1], row[2], row[3], row[4]);
            rows.add(row[0], "device", "bytes", row[1], row[2], row[3], row[5]);
        }
        if (peaks != null) {
            for (Object[] row : peaks.rows()) {
                rows.add(row[0], "peak", "peak_bytes", row[1], row[2], row[3], row[4]);
                rows.add(row[0], "peak", "peak_at", row[1], row[2], row[3], row[5]);
            }
        }
        counters.forEach((name, value) -> rows.add(null, "counter", name, null, null, null, value));
        for (Object[] row : shipping.rows()) {
            rows.add(row[0], "ship", "last_shipped_at", null, null, null, row[2]);
            rows.add(row[0], "ship", "caught_up_at", null, null, null, row[3]);
            rows.add(row[0], "ship", "lag_ms", null, null, null, row[4]);
        }
        Renderer.csv(rows, out());
        out().flush();
    }

    private void printJson(Report devices, Report capacity, Map<String, Object> counters, Map<String, Object> live,
                           Report peaks, Report shipping) {
        try {
            JsonGenerator json = new JsonFactory().createGenerator(out());
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeFieldName("devices");
            Renderer.writeValue(json, devices);
            json.writeFieldName("capacity");
            Renderer.writeValue(json, capacity);
            json.writeFieldName("counters");
            writeMap(json, counters);
            json.writeFieldName("daemon");
            if (live == null) {
                json.writeNull();
            } else {
                writeMap(json, live);
            }
            if (peaks != null) {
                json.writeFieldName("peaks");
                Renderer.writeValue(json, peaks);
            }
            if (shipping != null) {
                json.writeFieldName("hosts");
                Renderer.writeValue(json, shipping);
            }
            json.writeEndObject();
            json.flush();
            out().println();
            out().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeMap(JsonGenerator json, Map<String, Object> values) throws IOException {
        json.writeStartObject();
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            json.writeFieldName(entry.getKey());
            Renderer.writeValue(json, entry.getValue());
        }
        json.writeEndObject();
    }
}
