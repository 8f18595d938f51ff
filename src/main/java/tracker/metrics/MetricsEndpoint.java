package tracker.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import tracker.server.TrackerDaemon;

/**
 * {@code /metrics} in the Prometheus text format, served over HTTP beside a running daemon.
 * Scrapes are answered one at a time on one thread of its own ({@code tracker-metrics}), from
 * figures the daemon publishes anyway (see {@link DaemonCollector}): however many scrapers,
 * they cost the daemon one core at most and never hold up ingest.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** Past this many scrapes waiting, the HTTP server's own thread answers the next: it accepts no more meanwhile. */
    private static final int MAX_WAITING_SCRAPES = 64;

    private final HTTPServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HTTPServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving {@code daemon}'s figures on {@code where}, and says where in the daemon's log. */
    public static MetricsEndpoint start(TrackerDaemon daemon, MetricsAddress where) throws IOException {
        daemon.liveFigures(); // the ledger publishes its figures from now on
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DaemonCollector(daemon::metrics, daemon::liveFigures, daemon.capacities(),
                () -> tracker.store.Times.micros(java.time.Instant.now())));
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(MAX_WAITING_SCRAPES), runnable -> {
                    Thread thread = new Thread(runnable, "tracker-metrics");
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        HTTPServer server;
        try {
            server = HTTPServer.builder().inetAddress(where.address()).port(where.port()).registry(registry)
                    .executorService(executor).buildAndStart();
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw new IOException("cannot serve metrics on " + text(where.address(), where.port()) + ": " + e.getMessage(),
                    e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(server, executor);
        daemon.logInfo("metrics on http://" + text(where.address(), server.getPort()) + "/metrics"
                + (where.loopback() ? " (loopback only)"
                        : " - NOT loopback: reachable from the network by anyone who can reach this address"));
        return endpoint;
    }

    /** The port it listens on (the one chosen when 0 was asked). */
    public int port() {
        return server.getPort();
    }

    private static String text(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
    }
}
