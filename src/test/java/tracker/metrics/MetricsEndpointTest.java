package tracker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tracker.testing.Await;
import tracker.testing.ConfigVariants;
import tracker.testing.HeldRow;
import tracker.testing.HoldClient;
import tracker.testing.TestDaemon;
import tracker.wire.WireVersion;

/**
 * {@code /metrics} of a real daemon, scraped over HTTP and read by the Prometheus project's own
 * parser, while a real client process holds known buffers and after it is killed with -9.
 */
class MetricsEndpointTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    @Test
    void scrapedLiveBytesAreWhatAClientHoldsAndReapCountersMoveWhenItDies() throws Exception {
        Path devices = directory.resolve("devices.txt");
        Files.writeString(devices, "0, wormhole_b0, 12884901888, 107937792, 12, 1073741824, 1499136\n");
        Files.createDirectories(directory.resolve("d"));
        try (TestDaemon daemon = TestDaemon.start(ConfigVariants.withDeviceInfo(
                     TestDaemon.config(directory.resolve("d"), WireVersion.V3), devices));
             MetricsEndpoint endpoint = MetricsEndpoint.start(daemon.daemon(), MetricsAddress.parse("127.0.0.1:0"));
             HoldClient client = HoldClient.start(daemon.socket(), "-b", "6", "-c", "2", "-k", "3", "-r")) {
            int pid = client.awaitReady(STARTUP);
            assertTrue(daemon.output().contains("metrics on http://127.0.0.1:" + endpoint.port()
                    + "/metrics (loopback only)"), daemon.output());

            // what the client reported, per device, kind and type
            Map<List<Object>, Long> expected = new HashMap<>();
            long total = 0;
            for (HeldRow row : client.expectedRows()) {
                String type = row.kind().equals("BUFFER") ? row.type() : row.kind().equals("CB") ? "L1" : "ALL";
                expected.merge(List.of(Integer.toString(row.deviceId()), row.kind(), type), row.size(), Long::sum);
                total += row.size();
            }
            long held = total;
            Await.until(Duration.ofSeconds(10), () -> liveBytesAre(endpoint.port(), expected),
                    () -> "scraped live bytes equal what the client holds: " + expected);
            List<PrometheusText.Sample> holding = PrometheusText.parse(PrometheusText.scrape(endpoint.port()));
            assertEquals(held, PrometheusText.sum(holding, "tracker_live_bytes"));
            assertEquals(client.expectedRows().size(), PrometheusText.sum(holding, "tracker_live_records"));
            assertEquals(held, PrometheusText.value(holding, "tracker_process_live_bytes",
                    Map.of("pid", Integer.toString(pid))));
            assertEquals(1, PrometheusText.value(holding, "tracker_processes", Map.of("state", "holding")));
            assertEquals(12884901888.0, PrometheusText.value(holding, "tracker_device_capacity_bytes",
                    Map.of("device", "0", "memory", "DRAM")));
            assertEquals(0, PrometheusText.sum(holding, "tracker_reaps_total"));
            assertTrue(PrometheusText.value(holding, "tracker_events_total", Map.of()) >= client.expectedRows().size());
            for (PrometheusText.Sample sample : holding) {
                if (sample.name().endsWith("_total")) {
                    assertEquals("counter", sample.type(), sample.toString());
                }
            }

            HoldClient.kill9(pid);
            Await.until(Duration.ofSeconds(20), () -> reaped(endpoint.port(), held),
                    () -> "one reap of " + held + " bytes scraped after kill -9");
            List<PrometheusText.Sample> after = PrometheusText.parse(PrometheusText.scrape(endpoint.port()));
            assertEquals(0, PrometheusText.sum(after, "tracker_live_bytes"));
            assertEquals(0, PrometheusText.sum(after, "tracker_process_live_bytes"));
            assertEquals(0, PrometheusText.value(after, "tracker_processes", Map.of("state", "holding")));
        }
    }

    private static boolean liveBytesAre(int port, Map<List<Object>, Long> expected) {
        List<PrometheusText.Sample> samples = parsed(port);
        for (PrometheusText.Sample sample : samples) {
            if (sample.name().equals("tracker_live_bytes")) {
                List<Object> key = List.of(sample.labels().get("device"), sample.labels().get("kind"),
                        sample.labels().get("type"));
                if (sample.value() != expected.getOrDefault(key, 0L)) {
                    return false;
                }
            }
        }
        return PrometheusText.sum(samples, "tracker_live_bytes")
                == expected.values().stream().mapToLong(Long::longValue).sum();
    }

    private static boolean reaped(int port, long bytes) {
        List<PrometheusText.Sample> samples = parsed(port);
        return PrometheusText.sum(samples, "tracker_reaps_total") == 1
                && PrometheusText.sum(samples, "tracker_reaped_bytes_total") == bytes;
    }

    private static List<PrometheusText.Sample> parsed(int port) {
        try {
            return PrometheusText.parse(PrometheusText.scrape(port));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void listensOnLoopbackUnlessAnotherAddressIsGiven() {
        MetricsAddress port = MetricsAddress.parse("9464");
        assertTrue(port.loopback());
        assertEquals("127.0.0.1", port.address().getHostAddress());
        assertEquals(9464, port.port());
        assertTrue(MetricsAddress.parse("[::1]:9464").loopback());
        assertFalse(MetricsAddress.parse("0.0.0.0:9464").loopback());
        assertEquals("--metrics :9464: no host (give 127.0.0.1:PORT, or a port alone for loopback)",
                assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(":9464")).getMessage());
        assertEquals("--metrics 127.0.0.1:http: not HOST:PORT",
                assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("127.0.0.1:http")).getMessage());
        assertEquals("--metrics 127.0.0.1:70000: port outside 0..65535",
                assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("127.0.0.1:70000")).getMessage());
    }

    @Test
    void saysSoInTheLogWhenTheAddressIsNotLoopback() throws Exception {
        try (TestDaemon daemon = TestDaemon.start(directory.resolve("d"));
             MetricsEndpoint endpoint = MetricsEndpoint.start(daemon.daemon(), MetricsAddress.parse("0.0.0.0:0"))) {
            assertTrue(daemon.output().contains("metrics on http://0.0.0.0:" + endpoint.port()
                    + "/metrics - NOT loopback"), daemon.output());
        }
    }
}
