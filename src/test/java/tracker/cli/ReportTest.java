package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.HeadlessChromium;
import tracker.testing.HoldClient;
import tracker.testing.Poll;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;

/**
 * {@code tracker report --html} on what real clients did: one holding buffers, CBs and kernels
 * on two devices, one allocating and freeing, one under a hostile command line killed with
 * SIGKILL and reaped, this JVM over the wire. The page is checked as text (one chart per
 * device, one series per device and kind as {@code stats} counts them, the leak, escaping,
 * nothing to fetch), through the daemon and on the file, and then in headless Chromium with
 * the network out of reach: no console message, the series drawn, and a screenshot in
 * {@code target/report-screenshot.png}.
 */
class ReportTest {

    private static final Pattern CHART = Pattern.compile("<svg class=\"chart\" data-device=\"(\\d+)\"(.*?)</svg>",
            Pattern.DOTALL);
    private static final Pattern SERIES = Pattern.compile("<path class=\"series\" data-series=\"([^\"]*)\"");

    @TempDir
    Path directory;

    /** What the clients did: the database, the killed client's pid, and stats' groups as the charts name them. */
    private record Recorded(Path db, int killed, Map<String, Long> groups, String throughDaemon) {
    }

    private Recorded record() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             HoldClient holder = HoldClient.start(daemon.socket(), "-b", "6", "-c", "2", "-k", "3", "-o", "0x100000");
             HoldClient freer = HoldClient.start(daemon.socket(), "-b", "4", "-r", "-f", "-o", "0x200000");
             HoldClient victim = HoldClient.start(List.of("bash", "-c", "exec -a \"$0\" \"$@\"", HistoryTraceTest.HOSTILE
                     + "<img src=x onerror=alert(1)>"), daemon.socket(), "-b", "5", "-c", "1", "-o", "0x300000");
             WireClient wire = WireClient.connect(daemon.socket())) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            holder.awaitReady(Duration.ofSeconds(10));
            freer.awaitReady(Duration.ofSeconds(10));
            int killed = victim.awaitReady(Duration.ofSeconds(10));
            wire.send(WireClient.alloc(1, 0x9000, 1 << 20, 0), WireClient.alloc(1, 0x9100, 4096, 0));
            wire.send(WireClient.free(1, 0x9000));
            wire.query(0);
            HoldClient.kill9(killed);
            Poll.until(Duration.ofSeconds(10), () -> Cli.throughDaemon(db, "audit", "--pid", Integer.toString(killed),
                    "--format", "csv").out().lines().count() > 1, "pid " + killed + " reaped");
            daemon.flush();
            Map<String, Long> groups = HistoryTraceTest.liveBytes(Cli.throughDaemon(db, "stats", "--format", "json").out());
            Cli.Result page = Cli.throughDaemon(db, "report", "--html", "-");
            assertEquals(0, page.exit(), page.err());
            // a path is for the CLI to write, never the daemon
            Cli.Result refused = Cli.throughDaemon(db, "report", "--html", directory.resolve("x.html").toString());
            assertEquals(ExitCode.USAGE, refused.exit(), refused.err());
            assertFalse(Files.exists(directory.resolve("x.html")));
            return new Recorded(db, killed, groups, page.out());
        }
    }

    @Test
    void pageHasAChartPerDeviceASeriesPerKindTheLeakAndEscapedText() throws Exception {
        Recorded recorded = record();
        String html = recorded.throughDaemon();
        assertEquals(recorded.groups().keySet(), seriesOf(html).keySet(), "one series per device and kind stats counts");
        assertTrue(seriesOf(html).values().stream().allMatch(count -> count == 1), seriesOf(html).toString());
        // the leak: the killed client, with its command escaped
        String leaks = html.substring(html.indexOf("<table class=\"leaks\">"));
        assertTrue(leaks.contains("<td class=\"num\">" + recorded.killed() + "</td>"), leaks);
        assertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\\\x0a\\x1b[31m&lt;img src=x onerror=alert(1)&gt;"),
                html);
        selfContained(html);
        // downsampling is stated
        assertTrue(html.contains("drawn from 600 points per series"), html);

        // on the file the daemon left, into a file: the same charts (the clients ended since: more reaps)
        Path file = directory.resolve("report.html");
        Cli.Result onFile = Cli.onFile("report", "--db", recorded.db().toString(), "--html", file.toString(),
                "--points", "50");
        assertEquals(0, onFile.exit(), onFile.err());
        assertEquals("", onFile.out());
        String written = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals(seriesOf(html).keySet(), seriesOf(written).keySet());
        assertTrue(written.contains("drawn from 50 points per series"));
        selfContained(written);

        // one process only: its own series
        Cli.Result one = Cli.onFile("report", "--db", recorded.db().toString(), "--html", "-", "--pid",
                Integer.toString(WireClient.SELF_PID));
        assertEquals(0, one.exit(), one.err());
        assertEquals(java.util.Set.of("device 1 DRAM"), seriesOf(one.out()).keySet());

        Cli.Result bad = Cli.onFile("report", "--db", recorded.db().toString(), "--html", "-", "--points", "3");
        assertEquals(ExitCode.USAGE, bad.exit());
    }

    @Test
    void chromiumShowsThePageWithoutConsoleErrorsOrNetwork() throws Exception {
        HeadlessChromium.require();
        Recorded recorded = record();
        Path page = directory.resolve("page.html");
        Files.writeString(page, recorded.throughDaemon(), StandardCharsets.UTF_8);

        HeadlessChromium.Run run = HeadlessChromium.dumpDom(page, directory);
        assertEquals(List.of(), run.consoleLines(), run.log());
        int expected = recorded.groups().size();
        assertTrue(run.stdout().contains("data-series-drawn=\"" + expected + "\""),
                "the page's script ran and counted " + expected + " series: " + run.stdout());
        assertEquals(recorded.groups().keySet(), seriesOf(run.stdout()).keySet());
        assertFalse(run.stdout().contains("<img"), "the hostile command made no element");

        // the same check sees what it must: a script the page did not bring is refused, and said so
        Path injected = directory.resolve("injected.html");
        Files.writeString(injected, recorded.throughDaemon().replace("</body>", "<script>alert(1)</script></body>"));
        HeadlessChromium.Run refused = HeadlessChromium.dumpDom(injected, directory);
        assertTrue(refused.consoleLines().stream().anyMatch(line -> line.contains("Content Security Policy")),
                refused.log());

        Path png = Path.of("target", "report-screenshot.png");
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        HeadlessChromium.screenshot(page, directory, png, 1100, 1500);
        byte[] image = Files.readAllBytes(png);
        assertTrue(image.length > 10_000, "a screenshot of a drawn page: " + image.length + " bytes");
        assertEquals("PNG", new String(image, 1, 3, StandardCharsets.US_ASCII));
    }

    /** Series per "device N LABEL", counted. */
    private static Map<String, Integer> seriesOf(String html) {
        Map<String, Integer> series = new TreeMap<>();
        Matcher chart = CHART.matcher(html);
        while (chart.find()) {
            Matcher path = SERIES.matcher(chart.group(2));
            while (path.find()) {
                series.merge("device " + chart.group(1) + " " + path.group(1), 1, Integer::sum);
            }
        }
        return series;
    }

    /** Nothing the page would fetch, one script (its own), and a policy that lets nothing else run. */
    private static void selfContained(String html) {
        for (String fetches : List.of("<link", "src=\"", "href=", "url(", "@import", "@font-face", "<iframe", "<img",
                "<object")) {
            assertFalse(html.contains(fetches), "the page would fetch: " + fetches);
        }
        assertFalse(Pattern.compile("(https?|ftp|wss?):|//[a-z]").matcher(html.replace("http://www.w3.org/2000/svg", ""))
                .find(), "no address but SVG's namespace");
        assertEquals(1, html.split("<script", -1).length - 1, "one script element");
        assertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-"));
    }
}
