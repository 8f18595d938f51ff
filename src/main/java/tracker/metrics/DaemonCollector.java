package tracker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import tracker.device.DeviceCapacities;
import tracker.device.DeviceCapacity;
import tracker.device.Memory;
import tracker.reaper.ReapReason;
import tracker.server.LiveFigures;
import tracker.server.ServerMetrics;

/**
 * The daemon's figures as Prometheus metrics, built afresh at each scrape from what the daemon
 * already publishes: its counters (atomics) and the ledger's latest {@link LiveFigures} copy.
 * A scrape takes no lock the ingest path takes, waits for no thread, and reads no database.
 * Thread-safe (holds nothing of its own).
 */
final class DaemonCollector implements MultiCollector {

    /** Longest command line a label carries: the label names a process, not its arguments in full. */
    static final int MAX_COMMAND_CHARS = 80;

    private final Supplier<ServerMetrics.Snapshot> counters;
    private final Supplier<LiveFigures> figures;
    private final DeviceCapacities capacities;
    private final Supplier<Long> nowMicros;

    DaemonCollector(Supplier<ServerMetrics.Snapshot> counters, Supplier<LiveFigures> figures,
                    DeviceCapacities capacities, Supplier<Long> nowMicros) {
        this.counters = counters;
        this.figures = figures;
        this.capacities = capacities;
        this.nowMicros = nowMicros;
    }

    @Override
    public MetricSnapshots collect() {
        ServerMetrics.Snapshot daemon = counters.get();
        LiveFigures live = figures.get();
        List<MetricSnapshot> metrics = new ArrayList<>();

        GaugeSnapshot.Builder liveBytes = gauge("tracker_live_bytes",
                "Bytes held by live records, per device, kind (BUFFER, CB, KERNEL) and memory type", Unit.BYTES);
        GaugeSnapshot.Builder liveRecords = gauge("tracker_live_records",
                "Live records, per device, kind (BUFFER, CB, KERNEL) and memory type", null);
        for (LiveFigures.Group group : live.groups()) {
            Labels labels = Labels.of("device", Integer.toString(group.deviceId()), "kind", group.kind(),
                    "type", group.type());
            liveBytes.dataPoint(point(group.bytes(), labels));
            liveRecords.dataPoint(point(group.records(), labels));
        }
        metrics.add(liveBytes.build());
        metrics.add(liveRecords.build());

        GaugeSnapshot.Builder capacity = gauge("tracker_device_capacity_bytes",
                "Size of each device's DRAM and L1 (all worker cores), where known: --device-info, else the card "
                        + "type in sysfs", Unit.BYTES);
        for (DeviceCapacity device : capacities.all()) {
            for (Memory memory : Memory.values()) {
                device.bytesOf(memory).ifPresent(bytes -> capacity.dataPoint(point(bytes,
                        Labels.of("device", Integer.toString(device.deviceId()), "memory", memory.name()))));
            }
        }
        metrics.add(capacity.build());

        metrics.add(gauge("tracker_processes", "Processes tracked, by state: holding records, or holding none", null)
                .dataPoint(point(live.processesHolding(), Labels.of("state", "holding")))
                .dataPoint(point(live.processesIdle(), Labels.of("state", "idle")))
                .build());

        GaugeSnapshot.Builder top = gauge("tracker_process_live_bytes",
                "Bytes held by the " + LiveFigures.TOP_HOLDERS + " processes holding the most, by pid and command", Unit.BYTES);
        for (LiveFigures.Holder holder : live.topHolders()) {
            top.dataPoint(point(holder.bytes(), Labels.of("pid", Integer.toString(holder.pid()), "command",
                    shortCommand(holder.command()))));
        }
        metrics.add(top.build());

        CounterSnapshot.Builder reaps = counter("tracker_reaps",
                "Processes found dead and their records removed, by reason, since the daemon started", null);
        CounterSnapshot.Builder reapedBytes = counter("tracker_reaped_bytes",
                "Bytes of the records removed from dead processes, by reason, since the daemon started", Unit.BYTES);
        for (ReapReason reason : ReapReason.values()) {
            LiveFigures.Reaps figures = live.reaps().getOrDefault(reason.name(), new LiveFigures.Reaps(0, 0));
            Labels labels = Labels.of("reason", reason.name());
            reaps.dataPoint(counterPoint(figures.count(), labels));
            reapedBytes.dataPoint(counterPoint(figures.bytes(), labels));
        }
        metrics.add(reaps.build());
        metrics.add(reapedBytes.build());

        metrics.add(counter("tracker_events", "Events (messages that change the live set) applied, in all runs on "
                + "this database", null).dataPoint(counterPoint(Math.max(daemon.eventsApplied(), live.events()),
                Labels.EMPTY)).build());
        metrics.add(counter("tracker_events_committed", "Events committed to the database, in all runs on it", null)
                .dataPoint(counterPoint(daemon.eventsCommitted(), Labels.EMPTY)).build());
        metrics.add(counter("tracker_frames_received", "Frames read from clients since the daemon started", null)
                .dataPoint(counterPoint(daemon.framesReceived(), Labels.EMPTY)).build());
        metrics.add(counter("tracker_malformed_frames", "Frames skipped as malformed, in all runs on this database",
                null).dataPoint(counterPoint(daemon.malformedFrames(), Labels.EMPTY)).build());
        metrics.add(counter("tracker_unknown_frees", "FREEs of a record nobody held, in all runs on this database",
                null).dataPoint(counterPoint(live.unknownFrees(), Labels.EMPTY)).build());
        metrics.add(counter("tracker_storage_failures", "Commits that failed (a full disk, say) since the daemon "
                + "started", null).dataPoint(counterPoint(daemon.storageFailures(), Labels.EMPTY)).build());
        metrics.add(counter("tracker_connections_accepted", "Client connections accepted since the daemon started",
                null).dataPoint(counterPoint(daemon.connectionsAccepted(), Labels.EMPTY)).build());

        metrics.add(gauge("tracker_connections_open", "Client connections open", null)
                .dataPoint(point(daemon.connectionsOpen(), Labels.EMPTY)).build());
        metrics.add(gauge("tracker_commit_lag_seconds", "Age of the oldest event received and not yet committed; 0 "
                + "when everything is committed", Unit.SECONDS)
                .dataPoint(point(daemon.commitLagMicros() / 1e6, Labels.EMPTY)).build());
        metrics.add(gauge("tracker_ingest_queue_depth", "Items (lists of events read together, or requests) waiting "
                + "for the ledger", null).dataPoint(point(daemon.queueDepth(), Labels.EMPTY)).build());
        metrics.add(gauge("tracker_live_figures_age_seconds", "Age of the ledger's figures this scrape read (they are "
                + "copied out a few times a second)", Unit.SECONDS)
                .dataPoint(point(live.atMicros() == 0 ? 0 : Math.max(0, nowMicros.get() - live.atMicros()) / 1e6,
                        Labels.EMPTY)).build());
        return new MetricSnapshots(metrics);
    }

    /** At most {@link #MAX_COMMAND_CHARS} characters, "..." marking a cut. */
    static String shortCommand(String command) {
        String text = command == null ? "" : command;
        return text.length() <= MAX_COMMAND_CHARS ? text : text.substring(0, MAX_COMMAND_CHARS - 3) + "...";
    }

    private static GaugeSnapshot.Builder gauge(String name, String help, Unit unit) {
        GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
        return unit == null ? builder : builder.unit(unit);
    }

    private static CounterSnapshot.Builder counter(String name, String help, Unit unit) {
        CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
        return unit == null ? builder : builder.unit(unit);
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static CounterDataPointSnapshot counterPoint(double value, Labels labels) {
        return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
