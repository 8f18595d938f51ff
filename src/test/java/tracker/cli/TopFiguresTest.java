package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.server.TopFigures;
import tracker.testing.Await;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * {@code tracker top}'s figures as the daemon hands them out through its command socket, from
 * real clients that hold memory and die by kill -9; its snapshot on a pipe; and its exit code
 * without a daemon.
 */
class TopFiguresTest {

    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final long DRAM = 12_884_901_888L;
    private static final long L1 = 110_100_480L;

    @TempDir
    Path directory;

    private final List<HoldClient> clients = new ArrayList<>();

    @AfterEach
    void endClients() {
        clients.forEach(HoldClient::close);
    }

    private TestDaemon daemonWithDeviceInfo() throws Exception {
        Files.createDirectories(directory);
        Path info = directory.resolve("devices.csv");
        // device 0 only: device 1's memory has no known size
        Files.writeString(info, "0, wormhole_b0, " + DRAM + ", " + L1 + ", 12, 1073741824, 1499136\n");
        ServerConfig base = TestDaemon.config(directory, WireVersion.V3);
        TestDaemon daemon = TestDaemon.start(new ServerConfig(base.socket(), base.wire(), base.database(),
                base.commitIntervalMs(), base.reapIntervalMs(), base.socketMode(), null, info, base.retentionMs(),
                base.pruneIntervalMs(), false, false));
        Cli.serveCommands(daemon.daemon());
        return daemon;
    }

    private HoldClient client(TestDaemon daemon, String job, String... options) throws Exception {
        HoldClient client = HoldClient.startWithEnvironment(Map.of("TRACKER_TAG_job", job), daemon.socket(), options);
        clients.add(client);
        return client;
    }

    private static TopFigures top(TestDaemon daemon) throws Exception {
        Cli.Result result = Cli.throughDaemon(daemon.database(), "top", "--json");
        assertEquals(ExitCode.OK, result.exit(), result.err());
        return TopJson.read(result.out());
    }

    private static Optional<TopFigures.Holder> holder(TopFigures figures, int pid) {
        return figures.holders().stream().filter(holder -> holder.pid().equals(Integer.toString(pid))).findFirst();
    }

    private static TopFigures.Group group(TopFigures figures, int device, String kind, String type) {
        return figures.groups().stream()
                .filter(group -> group.deviceId() == device && group.kind().equals(kind) && group.type().equals(type))
                .findFirst().orElseThrow(() -> new AssertionError("no group " + device + " " + kind + " " + type
                        + " in " + figures.groups()));
    }

    private static long bytes(HoldClient client) {
        return client.expectedRows().stream().mapToLong(HeldRow::size).sum();
    }

    @Test
    void figuresFollowTheClientsFromTheDaemonsMemory() throws Exception {
        try (TestDaemon daemon = daemonWithDeviceInfo()) {
            HoldClient small = client(daemon, "small", "-b", "3", "-o", "0x100000");
            HoldClient big = client(daemon, "big", "-b", "12", "-c", "2", "-o", "0x900000");
            int smallPid = small.awaitReady(STARTUP);
            int bigPid = big.awaitReady(STARTUP);

            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    TopFigures figures = top(daemon);
                    return holder(figures, smallPid).isPresent() && holder(figures, bigPid).isPresent();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "both clients in top's figures");
            TopFigures figures = top(daemon);
            TopFigures.Holder bigHolder = holder(figures, bigPid).orElseThrow();
            assertEquals(bytes(big), bigHolder.liveBytes(), bigHolder.toString());
            assertEquals(bytes(big), bigHolder.peakBytes(), "it never freed: its peak is what it holds");
            assertEquals(Map.of("job", "big"), bigHolder.tags());
            assertTrue(bigHolder.command().contains("holdclient"), bigHolder.command());
            assertEquals(bytes(small), holder(figures, smallPid).orElseThrow().liveBytes());
            assertEquals(bytes(big), bigHolder.liveByDevice().values().stream().mapToLong(Long::longValue).sum());

            // sizes known for device 0 (DRAM and its L1, which CBs share), not for device 1
            assertEquals(DRAM, group(figures, 0, "BUFFER", "DRAM").capacityBytes());
            assertEquals(L1, group(figures, 0, "CB", "L1").capacityBytes());
            assertEquals(TopFigures.UNKNOWN, group(figures, 1, "BUFFER", "L1").capacityBytes());
            long dramBefore = group(figures, 0, "BUFFER", "DRAM").liveBytes();
            assertEquals(dramBefore, group(figures, 0, "BUFFER", "DRAM").peakBytes());

            HoldClient.kill9(bigPid);
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    TopFigures after = top(daemon);
                    return holder(after, bigPid).isEmpty() && after.reapsLastMinute() == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "the killed client reaped and gone from top's figures");
            TopFigures after = top(daemon);
            assertTrue(holder(after, smallPid).isPresent(), after.holders().toString());
            TopFigures.Group dram = group(after, 0, "BUFFER", "DRAM");
            assertTrue(dram.liveBytes() < dramBefore, dram.toString());
            assertEquals(dramBefore, dram.peakBytes(), "the device's peak outlives the process");
            assertTrue(after.events() >= 17, "every frame the clients sent: " + after.events());
        }
    }

    @Test
    void theDaemonHandsOutFiguresOnlyNeverTheLiveView() throws Exception {
        try (TestDaemon daemon = daemonWithDeviceInfo()) {
            Cli.Result view = Cli.throughDaemon(daemon.database(), "top");
            assertEquals(ExitCode.USAGE, view.exit());
            assertEquals("tracker: the daemon answers 'top' only as 'top --json'\n", view.err());
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** The tracker command in a JVM of its own, its output a pipe, as in a CI job, with COLUMNS=400. */
    private static Run trackerOnAPipe(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "tracker.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("COLUMNS", "400");
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tracker did not finish");
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void onAPipeItPrintsOneSnapshotAndExits() throws Exception {
        try (TestDaemon daemon = daemonWithDeviceInfo()) {
            int pid = client(daemon, "snap", "-b", "4", "-o", "0x300000").awaitReady(STARTUP);
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    return holder(top(daemon), pid).isPresent();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "the client in top's figures");
            Run run = trackerOnAPipe("top", "--db", daemon.database().toString());
            assertEquals(ExitCode.OK, run.exit(), run.err());
            assertEquals("", run.err());
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).startsWith("tracker top "), run.out());
            assertTrue(lines.contains("device 0") && lines.contains("device 1"), run.out());
            assertTrue(lines.stream().anyMatch(line -> line.matches("  DRAM +\\[#*\\.*\\] .* / 12\\.0 GiB +\\d+%")),
                    run.out());
            assertTrue(lines.stream().anyMatch(line -> line.matches("  L1 +\\[#+\\] .* / .* \\(peak\\) +100%")),
                    run.out());
            assertTrue(lines.stream().anyMatch(line -> line.startsWith(pid + " ") && line.contains("job=snap")
                    && line.endsWith("holdclient -b 4 -o 0x300000 " + daemon.socket())), run.out());
            assertTrue(lines.stream().allMatch(line -> line.length() <= 400), run.out());
            assertTrue(run.out().chars().noneMatch(c -> c == 0x1b), "no escape codes on a pipe");
        }
    }

    @Test
    void withoutADaemonItSaysSoInOneLineAndExits3() throws Exception {
        Path database = directory.resolve("none").resolve("tracker");
        Run run = trackerOnAPipe("top", "--db", database.toString());
        assertEquals(ExitCode.UNAVAILABLE, run.exit(), run.out() + run.err());
        assertEquals("", run.out());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("tracker: no daemon is running on " + database.toAbsolutePath()), run.err());
    }
}
