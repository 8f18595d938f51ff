package tracker.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster for one test class: Debian's {@code postgresql} binaries,
 * {@code initdb} into a temporary directory and {@code pg_ctl start} on a free loopback port,
 * with password logins over TCP (so a wrong password is really refused), stopped and removed
 * on {@link #close()}. As root (CI) the server runs as the {@code postgres} user, as
 * PostgreSQL refuses to run as root. {@code .ci/run} installs the package.
 */
public final class FleetPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "fleet-test-secret";

    private final Path directory;
    private final Path data;
    private final int port;
    private final boolean asPostgres;

    private FleetPostgres(Path directory, int port, boolean asPostgres) {
        this.directory = directory;
        this.data = directory.resolve("data");
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** Starts a cluster; fails (never skips) when PostgreSQL is not installed. */
    public static FleetPostgres start() throws IOException, InterruptedException {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path directory = Files.createTempDirectory("tracker-fleet-pg");
        FleetPostgres server = new FleetPostgres(directory, freePort(), root);
        Path passwordFile = directory.resolve("pw");
        Files.writeString(passwordFile, PASSWORD + "\n");
        if (root) {
            exec(List.of("chown", "-R", USER, directory.toString()));
        }
        server.run(List.of(bin.resolve("initdb").toString(), "-D", server.data.toString(), "-U", USER,
                "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8",
                "--locale=C.UTF-8"));
        server.run(List.of(bin.resolve("pg_ctl").toString(), "-D", server.data.toString(), "-w", "-t", "60",
                "-l", directory.resolve("log").toString(), "-o", "-p " + server.port + " -k " + directory
                        + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"));
        return server;
    }

    private static Path binaries() {
        Path versions = Path.of("/usr/lib/postgresql");
        try (Stream<Path> found = Files.list(versions)) {
            return found.map(version -> version.resolve("bin")).filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                    .max(Path::compareTo)
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL under " + versions
                            + ": install the postgresql package (.ci/run does)"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL under " + versions
                    + ": install the postgresql package (.ci/run does)", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** A URL as a user gives it to {@code --db}, without the password. */
    public String url(String database) {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
    }

    /** The same with the password in it. */
    public String urlWithPassword(String database, String password) {
        return "postgresql://" + USER + ":" + password + "@127.0.0.1:" + port + "/" + database;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A session as the superuser, for a test's setup. */
    public java.sql.Connection connect(String database) throws java.sql.SQLException {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", USER);
        properties.setProperty("password", PASSWORD);
        return new org.postgresql.Driver().connect(jdbcUrl(database), properties);
    }

    /** Creates a database (and returns its name). */
    public String createDatabase(String name) throws java.sql.SQLException {
        try (java.sql.Connection connection = connect("postgres");
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            run(List.of(binaries().resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w",
                    "stop"));
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(command);
        exec(full);
    }

    private static void exec(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }
}
