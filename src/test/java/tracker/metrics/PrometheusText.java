package tracker.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Scrapes an endpoint over real HTTP and reads the answer with the Prometheus project's own
 * parser ({@code prometheus_client.parser} of Debian's python3-prometheus-client, run in a
 * python3 child process): what a Prometheus server accepts, not what this project thinks the
 * format is. Without the parser the test is skipped on a developer's machine and fails in CI
 * (CI=true), where {@code .ci/run} installs it.
 */
final class PrometheusText {

    /** One sample as the parser read it. */
    record Sample(String name, String type, Map<String, String> labels, double value) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Debian's package installs for the system's python3, which another python3 on PATH may not be */
    private static final String PYTHON = java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3"))
            ? "/usr/bin/python3" : "python3";

    private PrometheusText() {
    }

    static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Assertions.assertEquals(200, response.statusCode(), response.body());
        Assertions.assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().toString());
        return response.body();
    }

    static List<Sample> parse(String exposition) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("basedir", ".")).resolve("src/test/python/prom_parse.py");
        Process python;
        try {
            python = new ProcessBuilder(PYTHON, script.toString()).start();
        } catch (IOException e) {
            return missing("python3 cannot be run: " + e.getMessage());
        }
        python.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().close();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        Assertions.assertTrue(python.waitFor(60, TimeUnit.SECONDS), "the parser did not finish");
        if (python.exitValue() == 3) {
            return missing(err.strip());
        }
        Assertions.assertEquals(0, python.exitValue(), "the Prometheus parser refused the exposition: " + err
                + "\n" + exposition);
        List<Sample> samples = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            Map<String, String> labels = new TreeMap<>();
            for (int i = 3; i < fields.length; i++) {
                int equals = fields[i].indexOf('=');
                labels.put(fields[i].substring(0, equals), fields[i].substring(equals + 1));
            }
            samples.add(new Sample(fields[0], fields[1], labels, Double.parseDouble(fields[2])));
        }
        return samples;
    }

    private static List<Sample> missing(String why) {
        String message = "the Prometheus text parser is missing (apt-get install python3-prometheus-client): " + why;
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
        return List.of();
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels}; fails when none or several. */
    static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
        Assertions.assertEquals(1, found.size(), name + labels + " among " + samples);
        return found.get(0).value();
    }

    /** The sum of every sample of {@code name} (0 when none). */
    static double sum(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }
}
