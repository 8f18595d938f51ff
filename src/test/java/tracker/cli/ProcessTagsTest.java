package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import tracker.testing.Await;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;

/**
 * Tags end to end: real client processes started with chosen environments connect to a real
 * daemon and allocate; the daemon reads their environments at first sight, and ps, dump,
 * audit, leaks and history show and filter by the tags, in every format, through the daemon
 * and on the file it leaves.
 */
class ProcessTagsTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);
    /** escaping: the CSV/table encoding's own characters, and XML's */
    private static final String NOTE = "a;b=c\\d <&\"'>\u0001";

    @TempDir
    Path directory;

    private final List<HoldClient> clients = new ArrayList<>();

    @Test
    void tagsAreReadAtFirstSightShownByEveryCommandAndFilterThem() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            String dbArg = db.toString();
            // a: two tags of its own, a CI variable, a secret and an everyday variable that must never be kept
            int a = start(daemon, Map.of("TRACKER_TAG_job", "build-a", "TRACKER_TAG_note", NOTE,
                    "GITHUB_JOB", "gpu-tests", "AWS_SECRET_ACCESS_KEY", "hunter2", "HOME", "/root"),
                    "-b", "1", "-o", "0x100000");
            int b = start(daemon, Map.of("TRACKER_TAG_job", "build-b"), "-b", "1", "-c", "1", "-o", "0x200000");
            int c = start(daemon, Map.of("TRACKER_TAG_job", "build-a"), "-b", "1", "-f", "-o", "0x300000");
            int d = start(daemon, Map.of(), "-b", "1", "-o", "0x400000");
            for (int pid : new int[] {a, b, d}) {
                Await.until("pid " + pid + " holds memory", () -> Cli.throughDaemon(db, "leaks", "--live", "--pid",
                        Integer.toString(pid), "--format", "csv").exit() == ExitCode.CHECK_FAILED);
            }
            Await.until("pid " + c + " is tracked", () -> Cli.throughDaemon(db, "ps", "--format", "csv").out()
                    .lines().anyMatch(line -> line.startsWith(c + ",")));
            daemon.flush();

            String aTags = "GITHUB_JOB=gpu-tests;job=build-a;note=a\\;b\\=c\\\\d <&\"'>\u0001";
            String aJson = "{\"GITHUB_JOB\":\"gpu-tests\",\"job\":\"build-a\",\"note\":\"a;b=c\\\\d <&\\\"'>\\u0001\"}";

            // the rows: the chosen tags and nothing else of the environment
            assertEquals(List.of("GITHUB_JOB=gpu-tests", "job=build-a", "note=" + NOTE), tagRows(daemon, a));
            assertEquals(List.of("job=build-b"), tagRows(daemon, b));
            assertEquals(List.of(), tagRows(daemon, d));
            assertEquals(0L, (long) daemon.daemon().database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM process_tags WHERE tag_key IN ('AWS_SECRET_ACCESS_KEY', 'HOME', 'PATH')"
                            + " OR tag_value IN ('hunter2', '/root')").mapTo(Long.class).one()));

            // ps: JSON object, CSV column, table column before COMMAND
            String psJson = ok(Cli.throughDaemon(db, "ps", "--format", "json"));
            assertTrue(line(psJson, "{\"pid\":" + a + ",").contains(",\"tags\":" + aJson + ",\"command\":"), psJson);
            assertTrue(line(psJson, "{\"pid\":" + d + ",").contains(",\"tags\":{},\"command\":"), psJson);
            String psCsv = ok(Cli.throughDaemon(db, "ps", "--format", "csv"));
            assertTrue(psCsv.startsWith("pid,state,first_seen,last_seen,buffers,cbs,kernels,buffer_bytes,cb_bytes,"
                    + "kernel_bytes,total_bytes,peak_bytes,peak_at,uid,tags,command\n"), psCsv);
            assertTrue(line(psCsv, a + ",").contains(",0,\"" + aTags.replace("\"", "\"\"") + "\","), psCsv);
            assertTrue(line(psCsv, b + ",").contains(",0,job=build-b,"), psCsv);
            assertTrue(line(psCsv, d + ",").contains(",0,,"), psCsv);
            String psTable = ok(Cli.throughDaemon(db, "ps", "--wide"));
            assertTrue(psTable.lines().findFirst().orElseThrow().matches(".*  UID  TAGS +COMMAND"), psTable);
            // a table escapes control characters (see HostileTextTest); CSV and JSON keep the text
            assertTrue(line(psTable, a + " ").contains("  " + aTags.replace("\u0001", "\\x01") + "  "), psTable);
            assertTrue(line(psTable, b + " ").matches(".*  job=build-b +\\S*holdclient .*"), psTable);

            // --tag on ps: all must match; KEY alone: has the tag
            assertEquals(List.of(a, c), pids(Cli.throughDaemon(db, "ps", "--tag", "job=build-a", "--format", "csv")));
            assertEquals(List.of(a, b, c), pids(Cli.throughDaemon(db, "ps", "--tag", "job", "--format", "csv")));
            assertEquals(List.of(a), pids(Cli.throughDaemon(db, "ps", "--tag", "job=build-a", "--tag", "GITHUB_JOB",
                    "--format", "csv")));
            assertEquals(List.of(), pids(Cli.throughDaemon(db, "ps", "--tag", "job=build-b", "--tag", "GITHUB_JOB",
                    "--format", "csv")));
            // a table of processes none of which has tags has no TAGS column
            String untagged = ok(Cli.throughDaemon(db, "ps", "--pid", Integer.toString(d), "--wide"));
            assertTrue(untagged.lines().findFirst().orElseThrow().matches(".*  UID  COMMAND"), untagged);

            // dump: every format, and --tag
            String dumpCsv = ok(Cli.throughDaemon(db, "dump", "--format", "csv"));
            assertTrue(dumpCsv.startsWith("pid,device_id,kind,type,buffer_id,size,ref_count,allocated_at,tags,command\n"),
                    dumpCsv);
            assertTrue(line(dumpCsv, b + ",0,CB,").contains(",job=build-b,"), dumpCsv);
            String dumpJson = ok(Cli.throughDaemon(db, "dump", "--format", "json"));
            assertTrue(line(dumpJson, "{\"pid\":" + a + ",").contains(",\"tags\":" + aJson + ",\"command\":"), dumpJson);
            String dumpTable = ok(Cli.throughDaemon(db, "dump", "--tag", "job=build-b", "--wide"));
            assertTrue(dumpTable.lines().anyMatch(l -> l.matches(" +BUFFER_ID +SIZE +PID +REF_COUNT +ALLOCATED_AT +TAGS +COMMAND")),
                    dumpTable);
            assertTrue(dumpTable.endsWith("\nTotal: 2 records, 1.00 MiB\n"), dumpTable);
            assertEquals(List.of(b, b), pids(Cli.throughDaemon(db, "dump", "--tag", "job=build-b", "--format", "csv")));

            // history: only the events of the tagged processes
            assertEquals(List.of(a, c, c), historyPids(Cli.throughDaemon(db, "history", "--tag", "job=build-a",
                    "--format", "csv")));

            // the processes die: the reaper audits a, b and d; c held nothing
            for (HoldClient client : clients) {
                client.close();
            }
            daemon.daemon().reaper().reapNow();
            daemon.flush();

            String auditJson = ok(Cli.throughDaemon(db, "audit", "--format", "json"));
            assertTrue(line(auditJson, "{\"reap_id\":").contains(",\"tags\":"), auditJson);
            assertTrue(auditJson.lines().anyMatch(l -> l.contains("\"pid\":" + a + ",")
                    && l.contains(",\"tags\":" + aJson + ",\"command\":")), auditJson);
            String auditCsv = ok(Cli.throughDaemon(db, "audit", "--format", "csv"));
            assertTrue(auditCsv.startsWith("reap_id,pid,reaped_at,reason,buffers,cbs,kernels,buffer_bytes,cb_bytes,"
                    + "kernel_bytes,total_bytes,peak_bytes,peak_at,first_seen,last_seen,uid,tags,command\n"), auditCsv);
            assertEquals(List.of(b), columnOf(Cli.throughDaemon(db, "audit", "--tag", "job=build-b", "--format",
                    "csv"), 1));
            // with --pid, CSV has one line per held record: each carries its process's tags
            String heldCsv = ok(Cli.throughDaemon(db, "audit", "--pid", String.valueOf(b), "--format", "csv"));
            assertTrue(heldCsv.startsWith("reap_id,pid,reaped_at,reason,kind,device_id,type,buffer_id,size,ref_count,"
                    + "allocated_at,tags\n"), heldCsv);
            assertEquals(2, heldCsv.lines().filter(l -> l.endsWith(",job=build-b")).count(), heldCsv);
            String auditTable = ok(Cli.throughDaemon(db, "audit", "--wide"));
            assertTrue(auditTable.lines().findFirst().orElseThrow().matches(".*  TOTAL_BYTES +PEAK  TAGS +COMMAND"),
                    auditTable);

            String leaksCsv = ok1(Cli.throughDaemon(db, "leaks", "--format", "csv"));
            assertTrue(leaksCsv.startsWith("pid,state,buffers,cbs,kernels,buffer_bytes,cb_bytes,kernel_bytes,"
                    + "total_bytes,reaped_at,reason,tags,command\n"), leaksCsv);
            assertTrue(line(leaksCsv, b + ",").startsWith(b + ",dead,1,1,0,1048576,2048,0,1050624,"), leaksCsv);
            // EXITED, or ZOMBIE when the reaper looked before this JVM collected its killed child
            assertTrue(line(leaksCsv, b + ",").matches(".*,(EXITED|ZOMBIE),job=build-b,.*"), leaksCsv);
            assertEquals(List.of(b), pids(Cli.throughDaemon(db, "leaks", "--tag", "job=build-b", "--format", "csv")));
            Cli.Result none = Cli.throughDaemon(db, "leaks", "--tag", "job=nobody");
            assertEquals(new Cli.Result(ExitCode.OK, "No leaks.\n", ""), none);

            // --group-by: per value, the untagged under (none), most bytes first
            String reapedA = reapedAt(leaksCsv, a);
            String reapedB = reapedAt(leaksCsv, b);
            String reapedD = reapedAt(leaksCsv, d);
            String grouped = ok1(Cli.throughDaemon(db, "leaks", "--group-by", "job", "--format", "csv"));
            assertEquals("key,value,tagged,processes,records,bytes,last_at\n"
                    + "job,build-b,true,1,2,1050624," + reapedB + "\n"
                    + "job,build-a,true,1,1,1048576," + reapedA + "\n"
                    + "job,(none),false,1,1,1048576," + reapedD + "\n", grouped);
            String groupedTable = ok1(Cli.throughDaemon(db, "leaks", "--group-by", "GITHUB_JOB"));
            assertEquals(List.of("KEY         VALUE      TAGGED  PROCESSES  RECORDS     BYTES  LAST_AT",
                    "GITHUB_JOB  (none)     false           2        3  2.00 MiB  " + later(reapedB, reapedD),
                    "GITHUB_JOB  gpu-tests  true            1        1  1.00 MiB  " + reapedA), groupedTable.lines()
                    .map(String::stripTrailing).toList(), groupedTable);

            // junit: one test case per process in scope, failures for those that died holding memory
            String junit = ok1(Cli.throughDaemon(db, "leaks", "--format", "junit"));
            Document report = parse(junit);
            Element suites = report.getDocumentElement();
            assertEquals("testsuites", suites.getTagName());
            assertEquals("4", suites.getAttribute("tests"));
            assertEquals("3", suites.getAttribute("failures"));
            NodeList suiteList = suites.getElementsByTagName("testsuite");
            assertEquals(1, suiteList.getLength());
            Element suite = (Element) suiteList.item(0);
            assertEquals("tracker leaks", suite.getAttribute("name"));
            assertEquals("4", suite.getAttribute("tests"));
            assertEquals("3", suite.getAttribute("failures"));
            assertEquals("0", suite.getAttribute("errors"));
            NodeList cases = suite.getElementsByTagName("testcase");
            assertEquals(4, cases.getLength());
            Element caseA = testCase(cases, a);
            assertEquals("tracker.leaks", caseA.getAttribute("classname"));
            Element failure = (Element) caseA.getElementsByTagName("failure").item(0);
            assertEquals("leak", failure.getAttribute("type"));
            assertTrue(failure.getAttribute("message").matches(
                    "died holding 1 buffers, 0 circular buffers, 0 kernels: 1\\.00 MiB \\((EXITED|ZOMBIE), reaped at .*"),
                    junit);
            assertTrue(failure.getTextContent().contains("\ndevice 0 DRAM: 1 buffer, 1048576 bytes\n"), junit);
            assertEquals("tags: " + aTags.replace('\u0001', '\uFFFD'),
                    caseA.getElementsByTagName("system-out").item(0).getTextContent());
            Element caseB = testCase(cases, b);
            assertTrue(caseB.getElementsByTagName("failure").item(0).getTextContent()
                    .contains("\ndevice 0 DRAM: 1 buffer, 1048576 bytes\ndevice 0 CB (L1): 1 CB, 2048 bytes\n"), junit);
            assertEquals(0, testCase(cases, c).getElementsByTagName("failure").getLength(), junit);
            // --tag scopes the report: the clean process of build-a passes beside a's failure
            Document buildA = parse(ok1(Cli.throughDaemon(db, "leaks", "--tag", "job=build-a", "--format", "junit")));
            assertEquals("2", buildA.getDocumentElement().getAttribute("tests"));
            assertEquals("1", buildA.getDocumentElement().getAttribute("failures"));
            Cli.Result cleanJob = Cli.throughDaemon(db, "leaks", "--tag", "job=nobody", "--format", "junit");
            assertEquals(ExitCode.OK, cleanJob.exit(), cleanJob.err());
            assertEquals("0", parse(cleanJob.out()).getDocumentElement().getAttribute("tests"));

            // the file the daemon leaves gives the same answers
            List<String[]> asked = List.of(new String[] {"ps", "--all", "--format", "json"},
                    new String[] {"audit", "--format", "csv"}, new String[] {"leaks", "--format", "junit"},
                    new String[] {"leaks", "--group-by", "job", "--format", "csv"},
                    new String[] {"history", "--tag", "job=build-a", "--format", "csv"},
                    new String[] {"ps", "--all", "--tag", "job=build-a", "--wide"});
            List<Cli.Result> throughDaemon = asked.stream().map(args -> Cli.throughDaemon(db, args)).toList();
            daemon.close();
            for (int i = 0; i < asked.size(); i++) {
                List<String> args = new ArrayList<>(List.of(asked.get(i)));
                args.addAll(List.of("--db", dbArg));
                assertEquals(throughDaemon.get(i), Cli.onFile(args.toArray(String[]::new)), String.join(" ", args));
            }
            assertEquals(grouped, Cli.onFile("leaks", "--group-by", "job", "--format", "csv", "--db", dbArg).out());
            assertEquals(List.of(a, c), pids(Cli.onFile("ps", "--all", "--tag", "job=build-a", "--format", "csv",
                    "--db", dbArg)));

            // prune takes the tags with the processes they belong to
            assertEquals(List.of("5"), Cli.onFile("sql", "--db", dbArg, "--format", "csv",
                    "SELECT COUNT(*) FROM process_tags").out().lines().skip(1).toList());
            Await.until("every ended process is pruned", () -> Cli.onFile("prune", "--older-than", "1ms", "--db", dbArg)
                    .exit() == ExitCode.OK && Cli.onFile("ps", "--all", "--format", "csv", "--db", dbArg).out().lines()
                    .count() == 1);
            assertEquals(List.of("0"), Cli.onFile("sql", "--db", dbArg, "--format", "csv",
                    "SELECT COUNT(*) FROM process_tags").out().lines().skip(1).toList());
        } finally {
            clients.forEach(HoldClient::close);
        }
    }

    @Test
    void aProcessKeepsAtMost32TagsOfAtMost256BytesAndNoSecretTheRestCounted() throws Exception {
        Map<String, String> environment = new java.util.HashMap<>();
        for (int i = 0; i < 33; i++) {
            environment.put(String.format("TRACKER_TAG_t%02d", i), "v" + i);
        }
        environment.put("TRACKER_TAG_big", "z".repeat(300));
        environment.put("AWS_SECRET_ACCESS_KEY", "hunter2");
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            Path db = daemon.database();
            int pid = start(daemon, environment, "-b", "1");
            Await.until("pid " + pid + " holds memory", () -> Cli.throughDaemon(db, "leaks", "--live", "--pid",
                    Integer.toString(pid), "--format", "csv").exit() == ExitCode.CHECK_FAILED);
            daemon.flush();
            List<String> rows = tagRows(daemon, pid);
            // which 32 of the 33 depends on the order of the environment; never the long one, never the secret
            assertEquals(32, rows.size(), rows.toString());
            for (String row : rows) {
                assertTrue(row.matches("t(\\d\\d)=v\\d+") && row.substring(3).equals("=v"
                        + Integer.parseInt(row.substring(1, 3))), row);
            }
            assertEquals(0L, (long) daemon.daemon().database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM process_tags WHERE tag_key IN ('big', 'AWS_SECRET_ACCESS_KEY')"
                            + " OR LENGTH(tag_value) > 256 OR tag_value = 'hunter2'").mapTo(Long.class).one()));
            String stats = ok(Cli.throughDaemon(db, "stats", "--format", "csv"));
            assertTrue(stats.lines().anyMatch("counter,dropped_tags,,,,2"::equals), stats);
            assertTrue(stats.lines().anyMatch("counter,unreadable_environs,,,,0"::equals), stats);
        } finally {
            clients.forEach(HoldClient::close);
        }
    }

    @Test
    void aTagWithoutKeyIsAUsageErrorAndJunitIsForLeaksOnly() {
        Cli.Result empty = Cli.onFile("ps", "--tag", "=x", "--db", directory.resolve("t.db").toString());
        assertEquals(ExitCode.USAGE, empty.exit());
        assertTrue(empty.err().startsWith("tracker: Invalid value for option '--tag' (KEY[=VALUE]): '=x' has no tag key"),
                empty.err());
        Cli.Result junitPs = Cli.onFile("ps", "--format", "junit", "--db", directory.resolve("t.db").toString());
        assertEquals(ExitCode.USAGE, junitPs.exit());
        assertTrue(junitPs.err().startsWith("tracker: --format junit is for tracker leaks"), junitPs.err());
        Cli.Result both = Cli.onFile("leaks", "--group-by", "job", "--format", "junit", "--db",
                directory.resolve("t.db").toString());
        assertEquals(ExitCode.USAGE, both.exit());
    }

    private int start(TestDaemon daemon, Map<String, String> environment, String... options) throws Exception {
        HoldClient client = HoldClient.startWithEnvironment(environment, daemon.socket(), options);
        clients.add(client);
        int pid = client.awaitReady(STARTUP);
        // sent is not yet seen: the order of first sightings (ps) is the order of start only once each is tracked
        Await.until("pid " + pid + " is tracked", () -> Cli.throughDaemon(daemon.database(), "ps", "--format", "csv")
                .out().lines().anyMatch(line -> line.startsWith(pid + ",")));
        return pid;
    }

    private static List<String> tagRows(TestDaemon daemon, int pid) {
        return daemon.daemon().database().jdbi().withHandle(h -> h.createQuery("SELECT t.tag_key, t.tag_value"
                        + " FROM process_tags t JOIN processes p ON p.id = t.process_id WHERE p.pid = ?"
                        + " ORDER BY t.tag_key")
                .bind(0, pid).map((rs, ctx) -> rs.getString(1) + "=" + rs.getString(2)).list());
    }

    private static String ok(Cli.Result result) {
        assertEquals(ExitCode.OK, result.exit(), result.out() + result.err());
        return result.out();
    }

    private static String ok1(Cli.Result result) {
        assertEquals(ExitCode.CHECK_FAILED, result.exit(), result.out() + result.err());
        return result.out();
    }

    private static String line(String text, String prefix) {
        // JSON rows after the first begin with the comma that separates them
        return text.lines().map(l -> l.startsWith(",{") ? l.substring(1) : l).filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line starting " + prefix + " in\n" + text));
    }

    /** The first CSV column of every line but the header, as pids. */
    private static List<Integer> pids(Cli.Result csv) {
        return columnOf(csv, 0);
    }

    private static List<Integer> columnOf(Cli.Result csv, int column) {
        assertTrue(csv.exit() == ExitCode.OK || csv.exit() == ExitCode.CHECK_FAILED, csv.err());
        return csv.out().lines().skip(1).map(l -> Integer.parseInt(l.split(",")[column])).toList();
    }

    private static List<Integer> historyPids(Cli.Result csv) {
        assertEquals(ExitCode.OK, csv.exit(), csv.err());
        return csv.out().lines().skip(1).map(l -> Integer.parseInt(l.split(",")[1])).toList();
    }

    private static String reapedAt(String leaksCsv, int pid) {
        return line(leaksCsv, pid + ",").split(",")[9];
    }

    private static String later(String one, String other) {
        return java.time.Instant.parse(one).isAfter(java.time.Instant.parse(other)) ? one : other;
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    private static Element testCase(NodeList cases, int pid) {
        for (int i = 0; i < cases.getLength(); i++) {
            Element element = (Element) cases.item(i);
            if (element.getAttribute("name").startsWith("pid " + pid + ": ")) {
                return element;
            }
        }
        throw new AssertionError("no test case of pid " + pid);
    }
}
