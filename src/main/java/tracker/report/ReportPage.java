package tracker.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The self-contained HTML page of {@code tracker report --html}: a summary, a chart per device
 * (see {@link LiveBytesSvg}), the processes that held the most and the leaks. Everything is in
 * the one file: styles and the one small script inline, no fonts, images or anything else
 * fetched, and a Content-Security-Policy that lets nothing be fetched and no other script run
 * (so even text that escaped its escaping could not act). Every text from a client (commands,
 * tags) is escaped ({@link Html}). Stateless.
 */
public final class ReportPage {

    /** A process among those that held the most. */
    public record Holder(Object pid, String state, long peakBytes, Instant peakAt, Instant firstSeen, String command) {
    }

    /** A process that died holding memory. */
    public record Leak(Object pid, Instant reapedAt, String reason, long records, long bytes, String command) {
    }

    /**
     * What the page shows.
     *
     * @param scope       the filters in words ({@code "all processes"}, {@code "pid 48213"})
     * @param processes   processes seen in the span
     * @param leakCount   processes reaped in the span holding memory; {@code leaks} are the largest of them
     */
    public record Content(Instant generatedAt, String scope, Downsampler timeline, ChartCapacity capacity,
                          long processes, long reaps, long leakCount, long leakedBytes, List<Holder> holders,
                          List<Leak> leaks, List<String> damaged) {
    }

    /** Hides and shows a series when its legend entry is clicked; counts what was drawn for a reader. */
    static final String SCRIPT = """
            (function () {
              document.querySelectorAll('.legend button').forEach(function (button) {
                button.addEventListener('click', function () {
                  var off = button.classList.toggle('off');
                  var chart = button.closest('section').querySelector('svg.chart');
                  chart.querySelectorAll('path.series').forEach(function (path) {
                    if (path.getAttribute('data-series') === button.getAttribute('data-series')) {
                      path.style.display = off ? 'none' : '';
                    }
                  });
                });
              });
              document.documentElement.setAttribute('data-series-drawn',
                  String(document.querySelectorAll('svg.chart path.series').length));
            })();
            """;

    private static final String STYLE = """
            body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
            .meta { color: #666; margin: 0 0 16px; }
            .summary { display: flex; flex-wrap: wrap; gap: 12px; margin: 0; padding: 0; list-style: none; }
            .summary li { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
            .summary b { display: block; font-size: 18px; }
            svg.chart { width: 100%; max-width: 960px; height: auto; display: block; }
            svg.chart text { font-size: 11px; fill: #555; }
            svg.chart .grid { stroke: #eee; }
            svg.chart path.series { fill: none; stroke-width: 1.5; }
            svg.chart .capacity line { stroke: #000; stroke-dasharray: 6 4; }
            svg.chart .reap line { stroke: #c00; stroke-opacity: 0.25; }
            svg.chart .reap path { fill: #c00; }
            .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; }
            .legend button { border: 1px solid #ccc; background: #fff; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
            .legend button.off { opacity: 0.4; }
            .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
            table { border-collapse: collapse; } th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #eee; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; } td.cmd { font-family: monospace; word-break: break-all; }
            .warn { color: #a00; }
            """;

    private ReportPage() {
    }

    public static void write(Writer writer, Content content) throws IOException {
        StringBuilder out = new StringBuilder(64 * 1024);
        Downsampler timeline = content.timeline();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'; script-src '").append(sha256(SCRIPT)).append("'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>tracker report: ").append(Html.escape(content.scope())).append("</title>\n")
                .append("<style>").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>Device memory: ").append(Html.escape(content.scope())).append("</h1>\n")
                .append("<p class=\"meta\">From ").append(Times.text(timeline.startMicros())).append(" to ")
                .append(Times.text(timeline.endMicros())).append(", generated ")
                .append(Html.escape(content.generatedAt())).append(" by tracker report. Charts are drawn from ")
                .append(timeline.buckets()).append(" points per series, each the lowest, highest and last level ")
                .append("of its stretch of time, so no peak is lost.</p>\n");
        for (String damaged : content.damaged()) {
            out.append("<p class=\"warn\">Skipped: ").append(Html.escape(damaged)).append("</p>\n");
        }
        out.append("<ul class=\"summary\">");
        summary(out, "processes", Long.toString(content.processes()));
        summary(out, "reaps", Long.toString(content.reaps()));
        summary(out, "leaks", content.leakCount() + (content.leakCount() == 0 ? "" : " (" + Bytes.human(content.leakedBytes()) + ")"));
        for (Map.Entry<Downsampler.Series, Downsampler.Levels> series : timeline.series().entrySet()) {
            summary(out, "device " + series.getKey().deviceId() + " " + series.getKey().label() + " peak",
                    Bytes.human(series.getValue().peak()));
        }
        out.append("</ul>\n");
        if (timeline.series().isEmpty()) {
            out.append("<p>No device memory was allocated in this span.</p>\n");
        }
        for (int device : timeline.devices()) {
            out.append("<section class=\"device\" data-device=\"").append(device).append("\">\n<h2>Device ")
                    .append(device).append(": live bytes</h2>\n");
            LiveBytesSvg.write(out, timeline, device, content.capacity());
            out.append("</section>\n");
        }
        holders(out, content.holders());
        leaks(out, content);
        out.append("<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        writer.write(out.toString());
        writer.flush();
    }

    private static void summary(StringBuilder out, String name, String value) {
        out.append("<li><b>").append(Html.escape(value)).append("</b>").append(Html.escape(name)).append("</li>");
    }

    private static void holders(StringBuilder out, List<Holder> holders) {
        out.append("<h2>Processes that held the most</h2>\n");
        if (holders.isEmpty()) {
            out.append("<p>None.</p>\n");
            return;
        }
        out.append("<table class=\"holders\"><tr><th>pid</th><th>state</th><th>peak</th><th>peak at</th>")
                .append("<th>first seen</th><th>command</th></tr>\n");
        for (Holder holder : holders) {
            out.append("<tr><td class=\"num\">").append(Html.escape(holder.pid())).append("</td><td>")
                    .append(Html.escape(holder.state())).append("</td><td class=\"num\">")
                    .append(Html.escape(Bytes.human(holder.peakBytes()))).append("</td><td>")
                    .append(Html.escape(holder.peakAt() == null ? "-" : holder.peakAt())).append("</td><td>")
                    .append(Html.escape(holder.firstSeen())).append("</td><td class=\"cmd\">")
                    .append(Html.escape(holder.command())).append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private static void leaks(StringBuilder out, Content content) {
        out.append("<h2>Leaks: processes that died holding memory</h2>\n");
        if (content.leaks().isEmpty()) {
            out.append("<p>None.</p>\n");
            return;
        }
        if (content.leakCount() > content.leaks().size()) {
            out.append("<p>The ").append(content.leaks().size()).append(" largest of ").append(content.leakCount())
                    .append(" (tracker leaks lists them all).</p>\n");
        }
        out.append("<table class=\"leaks\"><tr><th>pid</th><th>reaped at</th><th>reason</th><th>records</th>")
                .append("<th>bytes</th><th>command</th></tr>\n");
        for (Leak leak : content.leaks()) {
            out.append("<tr><td class=\"num\">").append(Html.escape(leak.pid())).append("</td><td>")
                    .append(Html.escape(leak.reapedAt())).append("</td><td>").append(Html.escape(leak.reason()))
                    .append("</td><td class=\"num\">").append(leak.records()).append("</td><td class=\"num\">")
                    .append(Html.escape(Bytes.human(leak.bytes()))).append("</td><td class=\"cmd\">")
                    .append(Html.escape(leak.command())).append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    /** The CSP source of a script: its SHA-256, as browsers compute it over the script's text. */
    static String sha256(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    /** Times as the rest of the tracker prints them. */
    private static final class Times {
        static String text(long micros) {
            return Html.escape(Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS));
        }
    }
}
