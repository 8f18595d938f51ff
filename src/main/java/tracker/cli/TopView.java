package tracker.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import tracker.server.TopFigures;

/**
 * What {@code tracker top} shows, before any layout: the latest figures, the sort and the
 * device picked by the keys, and the line that says why the figures are stale, if they are.
 * Not thread-safe: the view's own thread.
 */
final class TopView {

    /** The orders {@code s} cycles through, in this order. */
    enum Sort {
        LIVE("live"), PEAK("peak"), PID("pid"), COMMAND("command");

        final String label;

        Sort(String label) {
            this.label = label;
        }

        Sort next() {
            return values()[(ordinal() + 1) % values().length];
        }

        static Sort of(String text) {
            for (Sort sort : values()) {
                if (sort.label.equalsIgnoreCase(text)) {
                    return sort;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a sort: live, peak, pid or command");
        }
    }

    /** One process row: its live bytes on the device picked (or all), its peak over all. */
    record Row(String pid, long liveBytes, long peakBytes, String tags, String command) {
    }

    /**
     * One bar: {@code live} against {@code capacity} when the device's size for that memory is
     * known, else against the group's {@code peak} since the daemon started.
     */
    record Bar(int deviceId, String label, long liveBytes, long peakBytes, long capacityBytes) {

        boolean capacityKnown() {
            return capacityBytes != TopFigures.UNKNOWN && capacityBytes > 0;
        }

        long scale() {
            return capacityKnown() ? capacityBytes : peakBytes;
        }

        /** How full, 0 to 1. */
        double fill() {
            long scale = scale();
            return scale <= 0 ? 0 : Math.min(1.0, Math.max(0.0, (double) liveBytes / scale));
        }
    }

    private TopFigures figures;
    private String problem;
    private Sort sort;
    /** the device picked, or null for all */
    private Integer device;

    TopView(TopFigures figures, Sort sort, Integer device) {
        this.figures = figures;
        this.sort = sort;
        this.device = device;
    }

    void show(TopFigures latest) {
        figures = latest;
        problem = null;
    }

    /** The figures could not be refreshed: the last ones stay, with this line. */
    void stale(String why) {
        problem = why;
    }

    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    TopFigures figures() {
        return figures;
    }

    Sort sort() {
        return sort;
    }

    Integer device() {
        return device;
    }

    void nextSort() {
        sort = sort.next();
    }

    /** All devices, then each device the figures know in turn, then all again. */
    void nextDevice() {
        List<Integer> known = devices();
        if (device == null) {
            device = known.isEmpty() ? null : known.get(0);
            return;
        }
        int at = known.indexOf(device);
        device = at < 0 || at + 1 >= known.size() ? null : known.get(at + 1);
    }

    List<Integer> devices() {
        TreeSet<Integer> ids = new TreeSet<>();
        figures.groups().forEach(group -> ids.add(group.deviceId()));
        figures.holders().forEach(holder -> ids.addAll(holder.liveByDevice().keySet()));
        return new ArrayList<>(ids);
    }

    List<Bar> bars() {
        List<Bar> bars = new ArrayList<>();
        for (TopFigures.Group group : figures.groups()) {
            if (device == null || device == group.deviceId()) {
                String label = group.kind().equals("BUFFER") ? group.type() : group.kind();
                bars.add(new Bar(group.deviceId(), label, group.liveBytes(), group.peakBytes(), group.capacityBytes()));
            }
        }
        return bars;
    }

    /** The processes holding memory (on the device picked), in the order of the sort. */
    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (TopFigures.Holder holder : figures.holders()) {
            long live = device == null ? holder.liveBytes() : holder.liveByDevice().getOrDefault(device, 0L);
            if (live > 0 || device == null) {
                rows.add(new Row(holder.pid(), live, holder.peakBytes(), new tracker.report.Tags(holder.tags()).toString(),
                        holder.command()));
            }
        }
        rows.sort(order(sort));
        return rows;
    }

    private static Comparator<Row> order(Sort sort) {
        Comparator<Row> byPid = Comparator.comparing((Row row) -> row.pid().startsWith("ns:"))
                .thenComparingLong(row -> pidNumber(row.pid()));
        return switch (sort) {
            case LIVE -> Comparator.comparingLong(Row::liveBytes).reversed().thenComparing(byPid);
            case PEAK -> Comparator.comparingLong(Row::peakBytes).reversed().thenComparing(byPid);
            case PID -> byPid;
            case COMMAND -> Comparator.comparing(Row::command).thenComparing(byPid);
        };
    }

    private static long pidNumber(String pid) {
        try {
            return Long.parseLong(pid.startsWith("ns:") ? pid.substring(3) : pid);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
