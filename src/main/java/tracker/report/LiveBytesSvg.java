package tracker.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One device's chart of live bytes over time as inline SVG, drawn here (the page needs no
 * script to show it): a step line per series through each bucket's level on entry, highest,
 * lowest and last (see {@link Downsampler}), a dashed line per known capacity within the
 * scale, and a mark per bucket holding reaps. Stateless.
 */
public final class LiveBytesSvg {

    static final int WIDTH = 960;
    static final int HEIGHT = 280;
    private static final int LEFT = 90;
    private static final int RIGHT = 20;
    private static final int TOP = 16;
    private static final int BOTTOM = 44;
    static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f"};

    private LiveBytesSvg() {
    }

    /** The chart of {@code deviceId}, and under it a legend naming each series and capacity. */
    public static void write(StringBuilder out, Downsampler data, int deviceId, ChartCapacity capacity) {
        List<Map.Entry<Downsampler.Series, Downsampler.Levels>> series = new ArrayList<>();
        long top = 1;
        for (Map.Entry<Downsampler.Series, Downsampler.Levels> entry : data.series().entrySet()) {
            if (entry.getKey().deviceId() == deviceId) {
                series.add(entry);
                top = Math.max(top, entry.getValue().peak());
            }
        }
        long scale = top + top / 10;
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        out.append("<svg class=\"chart\" data-device=\"").append(deviceId).append("\" xmlns=\"http://www.w3.org/2000/svg\"")
                .append(" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("\" role=\"img\"")
                .append(" aria-label=\"device ").append(deviceId).append(" live bytes over time\">\n");
        // axes and ticks
        out.append("<g class=\"axes\">");
        for (int i = 0; i <= 4; i++) {
            double y = TOP + plotHeight - plotHeight * i / 4;
            out.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                    .append(number(y)).append("\" y2=\"").append(number(y)).append("\" class=\"grid\"/>");
            out.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(number(y + 4))
                    .append("\" text-anchor=\"end\">").append(Html.escape(Bytes.human(scale * i / 4))).append("</text>");
        }
        for (int i = 0; i <= 2; i++) {
            long micros = data.startMicros() + (data.endMicros() - data.startMicros()) * i / 2;
            String anchor = i == 0 ? "start" : i == 1 ? "middle" : "end";
            out.append("<text x=\"").append(number(LEFT + plotWidth * i / 2)).append("\" y=\"").append(HEIGHT - 24)
                    .append("\" text-anchor=\"").append(anchor).append("\">")
                    .append(Html.escape(java.time.Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS))).append("</text>");
        }
        out.append("</g>\n");
        // reaps, as marks along the time axis
        for (int b = 0; b < data.buckets(); b++) {
            Downsampler.Reaps reaps = data.reapsIn(b);
            if (reaps != null) {
                double x = LEFT + plotWidth * b / data.buckets();
                out.append("<g class=\"reap\"><title>").append(reaps.count()).append(reaps.count() == 1 ? " reap, " : " reaps, ")
                        .append(Html.escape(Bytes.human(reaps.bytes()))).append(" removed; largest: ")
                        .append(Html.escape(reaps.largest())).append("</title><line x1=\"").append(number(x))
                        .append("\" x2=\"").append(number(x)).append("\" y1=\"").append(TOP).append("\" y2=\"")
                        .append(number(TOP + plotHeight)).append("\"/><path d=\"M").append(number(x)).append(',')
                        .append(number(TOP + plotHeight + 2)).append(" l-5,9 h10 z\"/></g>\n");
            }
        }
        // capacities within the scale
        for (String memory : List.of("DRAM", "L1")) {
            OptionalLong bytes = capacity.bytesOf(deviceId, memory);
            if (bytes.isPresent() && bytes.getAsLong() <= scale && hasMemory(series, memory)) {
                double y = TOP + plotHeight - plotHeight * bytes.getAsLong() / scale;
                out.append("<g class=\"capacity\" data-memory=\"").append(memory).append("\"><line x1=\"").append(LEFT)
                        .append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(number(y)).append("\" y2=\"")
                        .append(number(y)).append("\"/><text x=\"").append(WIDTH - RIGHT).append("\" y=\"")
                        .append(number(y - 4)).append("\" text-anchor=\"end\">").append(memory).append(" capacity ")
                        .append(Html.escape(Bytes.human(bytes.getAsLong()))).append("</text></g>\n");
            }
        }
        // the series
        int index = 0;
        for (Map.Entry<Downsampler.Series, Downsampler.Levels> entry : series) {
            out.append("<path class=\"series\" data-series=\"").append(Html.escape(entry.getKey().label()))
                    .append("\" stroke=\"").append(COLOURS[index++ % COLOURS.length]).append("\" d=\"")
                    .append(path(data, entry.getValue(), scale, plotWidth, plotHeight)).append("\"><title>")
                    .append(Html.escape(entry.getKey().label())).append(": peak ")
                    .append(Html.escape(Bytes.human(entry.getValue().peak()))).append("</title></path>\n");
        }
        out.append("</svg>\n<ul class=\"legend\">");
        index = 0;
        for (Map.Entry<Downsampler.Series, Downsampler.Levels> entry : series) {
            out.append("<li><button type=\"button\" data-series=\"").append(Html.escape(entry.getKey().label()))
                    .append("\"><span class=\"swatch\" style=\"background:").append(COLOURS[index++ % COLOURS.length])
                    .append("\"></span>").append(Html.escape(entry.getKey().label())).append(" (peak ")
                    .append(Html.escape(Bytes.human(entry.getValue().peak()))).append(", now ")
                    .append(Html.escape(Bytes.human(entry.getValue().lastLevel()))).append(")</button></li>");
        }
        for (String memory : List.of("DRAM", "L1")) {
            OptionalLong bytes = capacity.bytesOf(deviceId, memory);
            if (bytes.isPresent() && hasMemory(series, memory)) {
                out.append("<li class=\"capacity-note\">").append(memory).append(" capacity ")
                        .append(Html.escape(Bytes.human(bytes.getAsLong())))
                        .append(bytes.getAsLong() > scale ? " (above this chart's scale)" : " (dashed line)")
                        .append("</li>");
            }
        }
        out.append("</ul>\n");
    }

    private static boolean hasMemory(List<Map.Entry<Downsampler.Series, Downsampler.Levels>> series, String memory) {
        return series.stream().anyMatch(entry -> memory.equals(ChartCapacity.memoryOf(entry.getKey().label())));
    }

    /**
     * A step line: in each bucket with changes, from the level carried in down or up to the
     * bucket's extremes and on to its last level; flat between; on to the span's end.
     */
    private static String path(Downsampler data, Downsampler.Levels levels, long scale, double width, double height) {
        Path d = new Path();
        // a series that first appears inside the span rises from nothing
        boolean known = levels.firstMicros > data.startMicros();
        long carry = 0;
        for (int b = 0; b < data.buckets(); b++) {
            if (!levels.has[b]) {
                continue;
            }
            String x = number(LEFT + width * b / data.buckets());
            d.to(x, y(known ? carry : levels.max[b], scale, height));
            d.to(x, y(levels.max[b], scale, height));
            d.to(x, y(levels.min[b], scale, height));
            d.to(x, y(levels.last[b], scale, height));
            carry = levels.last[b];
            known = true;
        }
        d.to(number(LEFT + width), y(carry, scale, height));
        return d.text();
    }

    /** SVG path data that leaves out a point equal to the one before it. */
    private static final class Path {
        private final StringBuilder text = new StringBuilder();
        private String last;

        void to(String x, String y) {
            String point = x + ',' + y;
            if (point.equals(last)) {
                return;
            }
            text.append(last == null ? "M" : " L").append(point);
            last = point;
        }

        String text() {
            return last == null ? "" : text.toString();
        }
    }

    private static String y(long bytes, long scale, double height) {
        return number(TOP + height - height * bytes / scale);
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
