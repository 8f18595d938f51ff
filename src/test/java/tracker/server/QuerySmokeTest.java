package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.TestDaemon;
import tracker.testing.WireClient;
import tracker.wire.FrameCodec;

class QuerySmokeTest {

    @TempDir
    Path directory;

    @Test
    void queryReflectsEveryFrameSentBeforeIt() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory);
             WireClient client = WireClient.connect(daemon.socket())) {
            client.send(WireClient.alloc(0, 0x1000, 4096, 0), WireClient.alloc(0, 0x2000, 1024, 1),
                    WireClient.alloc(0, 0x3000, 512, 0), WireClient.free(0, 0x3000));
            byte[] reply = client.query(0);
            assertEquals(4, reply[0]);
            assertEquals(4096, FrameCodec.getLong(reply, FrameCodec.OFF_DRAM));
            assertEquals(1024, FrameCodec.getLong(reply, FrameCodec.OFF_L1));
            daemon.flush();
            long rows = daemon.daemon().database().jdbi().withHandle(h ->
                    h.createQuery("SELECT COUNT(*) FROM allocations").mapTo(Long.class).one());
            assertEquals(2, rows);
        }
    }
}
