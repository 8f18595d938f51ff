package tracker.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tracker.log.PrintableText;
import tracker.report.Bytes;

/**
 * Lays a {@link TopView} out as lines of plain text for a screen of a given size: a header
 * with the rates, the keys and the current sort and device; per device one bar per memory
 * kind, as wide as the screen allows; then as many process rows as fit. Every line is cut to
 * the width, and text from clients (commands, tags) has its control characters escaped, so
 * nothing a client chose can move the cursor. Stateless.
 */
final class TopScreen {

    /** Keys, as the header lists them. */
    static final String KEYS = "q quit  s sort  d device";

    private static final int MIN_BAR = 10;
    /** the label and the figures beside a bar: "  DRAM      [" ... "]  100.0 MiB / 100.0 MiB (peak)   100%" */
    private static final int BAR_LABEL = 12;
    private static final int BAR_FIGURES = 40;
    private static final int TAGS_MAX = 32;

    private TopScreen() {
    }

    /**
     * @param height the lines available; {@code Integer.MAX_VALUE} for a snapshot, which lists
     *               every process
     */
    static List<String> render(TopView view, int width, int height) {
        List<String> lines = new ArrayList<>();
        var figures = view.figures();
        String device = view.device() == null ? "all" : Integer.toString(view.device());
        lines.add(String.format(Locale.ROOT, "tracker top  %s  events/s %s  reaps (last min) %d",
                tracker.store.Times.instant(figures.capturedAtMicros()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                rate(figures.eventsPerSecond()), figures.reapsLastMinute()));
        // what the keys changed goes first: it must stay in sight on a narrow terminal
        lines.add("sort: " + view.sort().label + "  device: " + device + "  "
                + view.problem().map(problem -> "! " + problem).orElse(KEYS));
        lines.add("");
        List<TopView.Bar> bars = view.bars();
        if (bars.isEmpty()) {
            lines.add("No device memory held since the daemon started.");
        }
        int barWidth = Math.max(MIN_BAR, width - BAR_LABEL - BAR_FIGURES);
        Integer shownDevice = null;
        for (TopView.Bar bar : bars) {
            if (shownDevice == null || shownDevice != bar.deviceId()) {
                shownDevice = bar.deviceId();
                lines.add("device " + bar.deviceId());
            }
            lines.add(barLine(bar, barWidth));
        }
        lines.add("");
        List<TopView.Row> rows = view.rows();
        if (rows.isEmpty()) {
            lines.add(view.device() == null ? "No process holds device memory."
                    : "No process holds memory on device " + view.device() + ".");
        } else {
            boolean tags = rows.stream().anyMatch(row -> !row.tags().isEmpty());
            lines.add(rowLine("PID", "LIVE", "PEAK", tags ? "TAGS" : null, "COMMAND"));
            int room = height == Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(0, height - lines.size());
            int shown = Math.min(rows.size(), room);
            if (shown < rows.size() && shown > 0) {
                shown--; // the last line says how many are left out
            }
            for (int i = 0; i < shown; i++) {
                TopView.Row row = rows.get(i);
                lines.add(rowLine(row.pid(), Bytes.human(row.liveBytes()),
                        row.peakBytes() > 0 ? Bytes.human(row.peakBytes()) : "-", tags ? cut(PrintableText.of(row.tags()), TAGS_MAX) : null,
                        PrintableText.of(row.command())));
            }
            if (shown < rows.size() && room > 0) {
                lines.add("... " + (rows.size() - shown) + " more (a taller terminal shows them)");
            }
        }
        List<String> cut = new ArrayList<>();
        for (String line : lines) {
            if (cut.size() >= height) {
                break;
            }
            cut.add(cut(line, width));
        }
        return cut;
    }

    private static String barLine(TopView.Bar bar, int barWidth) {
        int filled = (int) Math.round(bar.fill() * barWidth);
        if (filled == 0 && bar.liveBytes() > 0) {
            filled = 1; // something held shows
        }
        String of = bar.capacityKnown() ? Bytes.human(bar.capacityBytes())
                : Bytes.human(bar.peakBytes()) + " (peak)";
        return String.format(Locale.ROOT, "  %-8s [%s%s] %10s / %-20s %3d%%", bar.label(), "#".repeat(filled),
                ".".repeat(barWidth - filled), Bytes.human(bar.liveBytes()), of, Math.round(bar.fill() * 100));
    }

    private static String rowLine(String pid, String live, String peak, String tags, String command) {
        return String.format(Locale.ROOT, "%-9s %10s %10s  ", pid, live, peak)
                + (tags == null ? "" : String.format(Locale.ROOT, "%-" + TAGS_MAX + "s  ", tags)) + command;
    }

    private static String rate(double perSecond) {
        return perSecond >= 100 ? String.format(Locale.ROOT, "%,.0f", perSecond)
                : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width));
    }
}
