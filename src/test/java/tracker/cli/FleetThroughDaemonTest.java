package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.server.ServerConfig;
import tracker.testing.TestDaemon;

/**
 * A fleet store URL sent to a daemon's command socket: refused there, before the daemon
 * connects anywhere (a client must not make the daemon, as its own user and with its
 * credentials, open a connection to a server the client names).
 */
class FleetThroughDaemonTest {

    @TempDir
    Path directory;

    @Test
    void theDaemonRefusesAFleetUrlAndConnectsNowhere() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory.resolve("d"));
             ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Cli.serveCommands(daemon.daemon());
            String url = "postgresql://tracker@127.0.0.1:" + listener.getLocalPort() + "/fleet";
            for (String command : new String[] {"ps", "leaks", "hosts", "stats"}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                // sent as a client may send it, not as Main would (Main never forwards a fleet URL)
                OptionalInt exit = DaemonClient.run(ServerConfig.controlSocketOf(daemon.database()),
                        new String[] {command, "--db", url}, out, err);
                String error = err.toString(StandardCharsets.UTF_8);
                assertTrue(exit.isPresent(), command);
                assertEquals(ExitCode.USAGE, exit.getAsInt(), command + ": " + error);
                assertEquals(1, error.lines().count(), error);
            }
            // nothing reached the named server: the refusal came before any connect
            listener.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, listener::accept);
        }
    }
}
