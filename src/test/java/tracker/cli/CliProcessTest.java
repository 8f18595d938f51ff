package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.WireVersion;

/** The tracker command as a shell runs it: a separate JVM, through {@link Main}. */
class CliProcessTest {

    @TempDir
    Path directory;

    record Run(int exit, String out, String err) {
    }

    private static Run tracker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "tracker.cli.Main"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tracker did not finish");
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void queriesReachTheRunningDaemonThroughItsCommandSocket() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            Cli.serveCommands(daemon.daemon());
            try (WireClient client = WireClient.connect(daemon.socket())) {
                client.send(WireClient.alloc(3, 0xabc000, 65536, 0));
                client.query(3);
            }
            daemon.flush(); // the CLI reads what is committed
            Run dump = tracker("dump", "--db", daemon.database().toString(), "--format", "csv");
            assertEquals(0, dump.exit(), dump.err());
            assertTrue(dump.out().contains(WireClient.SELF_PID + ","), dump.out());
            assertTrue(dump.out().contains(",3,BUFFER,DRAM,0xabc000,65536,1,"), dump.out());
        }
    }

    @Test
    void aDatabaseHeldByADaemonWithoutCommandSocketIsUnavailable() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(TestDaemon.config(directory, WireVersion.V3))) {
            Run dump = tracker("dump", "--db", daemon.database().toString());
            assertEquals(ExitCode.UNAVAILABLE, dump.exit());
            assertEquals(1, dump.err().lines().count(), dump.err());
            assertTrue(dump.err().contains("is in use by another process"), dump.err());
        }
    }

    @Test
    void aStaleCommandSocketFallsBackToTheFile() throws Exception {
        Path database;
        try (TestDaemon daemon = TestDaemon.start(directory)) {
            database = daemon.database();
        }
        // a daemon killed with -9 leaves its command socket file behind, with nobody listening
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(tracker.server.ServerConfig.controlSocketOf(database)));
        }
        Run stats = tracker("stats", "--db", database.toString(), "--format", "json");
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("\"daemon\" : null"), stats.out());
    }
}
