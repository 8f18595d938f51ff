package tracker.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * A process that died while its own connection is still open (its last frames may not be
 * read yet) is not reaped on a pass that happens to look at it then: its records would be
 * audited without those frames, and the frames would then land on a reaped process. It is
 * reaped once the connection has been read to its end.
 *
 * <p>The client is a real Python process that sends its frames, leaves the socket to a
 * child of its own (which keeps the connection open) and exits.
 */
class UnreadConnectionReapTest {

    private static final String CLIENT = String.join("\n",
            "import os, socket, struct, sys, time",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.connect(sys.argv[1])",
            "data = bytearray(bytes.fromhex(sys.argv[2]))",
            "for off in range(0, len(data), 144):",
            "    struct.pack_into('<i', data, off + 20, os.getpid())",
            "s.sendall(bytes(data))",
            "child = os.fork()",
            "if child == 0:",
            "    time.sleep(600)",
            "    os._exit(0)",
            "print(os.getpid(), child, flush=True)",
            "os._exit(0)");

    @TempDir
    Path directory;

    @Test
    void aDeadProcessWhoseConnectionIsStillOpenIsReapedOnlyAfterItCloses() throws Exception {
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            frames.append(HexFormat.of().formatHex(FrameCodec.encodeRequest(WireVersion.V3,
                    WireClient.frame(MessageType.ALLOC, 0, 4096, 0, 0, 0x1000L * (i + 1)))));
        }
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient observer = WireClient.connect(daemon.socket())) {
            Jdbi jdbi = daemon.daemon().database().jdbi();
            Process client = new ProcessBuilder("python3", "-c", CLIENT, daemon.socket().toString(), frames.toString())
                    .redirectErrorStream(true).start();
            String[] pids = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))
                    .readLine().trim().split(" ");
            int pid = Integer.parseInt(pids[0]);
            ProcessHandle holder = ProcessHandle.of(Long.parseLong(pids[1])).orElseThrow();
            try {
                assertTrue(client.waitFor(10, TimeUnit.SECONDS));
                assertTrue(ProcessHandle.of(pid).isEmpty(), "the client is gone");
                Await.until(Duration.ofSeconds(10), () -> dram(observer) == 5 * 4096, "its five allocations applied");
                daemon.flush();

                assertEquals(List.of(), daemon.daemon().reaper().reapNow(), "not reaped while its connection is open");
                assertEquals(5, ReapDb.liveRows(jdbi, pid).size());

                holder.destroyForcibly();
                Await.until(Duration.ofSeconds(10), () -> !ReapDb.reaps(jdbi, pid).isEmpty(),
                        "reaped once the connection closed");
                assertEquals(5, ReapDb.reaps(jdbi, pid).get(0).buffers());
                assertEquals(0, ReapDb.liveRows(jdbi, pid).size());
            } finally {
                holder.destroyForcibly();
                client.destroyForcibly();
            }
        }
    }

    private static long dram(WireClient observer) {
        try {
            return tracker.testing.LiveModel.totalsIn(observer.query(0)).dram();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
