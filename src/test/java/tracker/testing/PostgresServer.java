package tracker.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for the fleet store's tests: Debian's {@code postgresql} package,
 * a cluster made with initdb in a temporary directory, listening on a free port of 127.0.0.1
 * only, with a superuser {@code tracker} that logs in with a password (scram-sha-256) over
 * TCP. PostgreSQL refuses to run as root: as root the server runs as the {@code postgres}
 * user, through {@code setpriv} (which execs, so the process this class holds is the
 * postmaster itself and a signal to it is a signal to PostgreSQL).
 *
 * <p>Where the server cannot be had, tests are skipped, except under CI (CI=true), where
 * {@code .ci/run} installs it and a missing server fails the run.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String USER = "tracker";
    private static final Duration START = Duration.ofSeconds(60);

    private final Path directory;
    private final Path bin;
    private final int port;
    private final String password;
    private final boolean asPostgresUser;
    private ChildProcess server;

    private PostgresServer(Path directory, Path bin, int port, String password, boolean asPostgresUser) {
        this.directory = directory;
        this.bin = bin;
        this.port = port;
        this.password = password;
        this.asPostgresUser = asPostgresUser;
    }

    /** A new cluster, started. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = findBin();
        if (bin == null) {
            unavailable("no PostgreSQL server installed (Debian: apt-get install postgresql)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && !Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            unavailable("running as root and no setpriv to run PostgreSQL as the postgres user");
        }
        Path directory = Files.createTempDirectory("tracker-fleet-pg");
        String password = "pw-" + UUID.randomUUID();
        Files.writeString(directory.resolve("pwfile"), password + "\n", StandardCharsets.UTF_8);
        if (root) {
            UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres");
            Files.setOwner(directory, postgres);
            Files.setOwner(directory.resolve("pwfile"), postgres);
        }
        PostgresServer server = new PostgresServer(directory, bin, freePort(), password, root);
        server.initdb();
        server.startServer();
        return server;
    }

    private static void unavailable(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("PostgreSQL is needed by the fleet store's tests and CI must provide it: " + why);
        }
        Assumptions.abort(why);
    }

    /** The newest /usr/lib/postgresql/N/bin holding initdb and postgres (or PG_BIN). */
    static Path findBin() throws IOException {
        String override = System.getenv("PG_BIN");
        if (override != null && Files.isExecutable(Path.of(override, "initdb"))) {
            return Path.of(override);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(dir -> Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("postgres")))
                    .max(Comparator.comparingInt(dir -> versionOf(dir.getParent())))
                    .orElse(null);
        }
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private List<String> asServerUser(String... command) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private void initdb() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(asServerUser(bin.resolve("initdb").toString(), "-D",
                dataDir().toString(), "-U", USER, "--pwfile=" + directory.resolve("pwfile"), "-E", "UTF8",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"))
                .directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("initdb failed:\n" + output);
        }
    }

    private Path dataDir() {
        return directory.resolve("data");
    }

    /** Starts the server on its port and waits until it takes connections. */
    public synchronized void startServer() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(asServerUser(bin.resolve("postgres").toString(), "-D",
                dataDir().toString(), "-p", Integer.toString(port), "-k", directory.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=16MB", "-c", "max_connections=40",
                "-c", "logging_collector=off")).directory(directory.toFile());
        builder.environment().put("LC_ALL", "C");
        server = ChildProcess.start(builder);
        Poll.until(START, () -> !server.process().isAlive() || accepts(),
                () -> "PostgreSQL to accept connections on port " + port + "; its output:\n" + output());
        if (!server.process().isAlive()) {
            throw new IOException("PostgreSQL did not start:\n" + output());
        }
    }

    private boolean accepts() {
        try (Connection connection = connect("postgres")) {
            return connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    public String output() {
        ChildProcess running = server;
        return running == null ? "" : String.join("\n", running.stdout()) + "\n" + String.join("\n", running.stderr());
    }

    /** Fast shutdown (SIGINT: clients are disconnected, the server stops cleanly). */
    public synchronized void stop() throws IOException, InterruptedException {
        signal("INT");
        awaitGone();
    }

    /** Immediate shutdown (SIGQUIT: no checkpoint, as after a crash; the next start recovers from the WAL). */
    public synchronized void crash() throws IOException, InterruptedException {
        signal("QUIT");
        awaitGone();
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(server.process().pid()))
                .redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        kill.waitFor(10, TimeUnit.SECONDS);
    }

    private void awaitGone() throws InterruptedException {
        if (!server.process().waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("PostgreSQL did not stop; output:\n" + output());
        }
    }

    public synchronized boolean running() {
        return server != null && server.process().isAlive();
    }

    /** Runs SQL as the superuser on a database. */
    public void execute(String database, String sql) throws SQLException {
        try (Connection connection = connect(database)) {
            connection.createStatement().execute(sql);
        }
    }

    public int port() {
        return port;
    }

    public String password() {
        return password;
    }

    /** A new, empty database: each test ships into its own. */
    public String createDatabase() throws SQLException {
        String name = "fleet_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection connection = connect("postgres")) {
            connection.createStatement().execute("CREATE DATABASE " + name);
        }
        return name;
    }

    /** postgresql://tracker@127.0.0.1:PORT/DB (the password goes by PGPASSWORD or the URL). */
    public String url(String database) {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
    }

    @Override
    public synchronized void close() {
        if (server != null && server.process().isAlive()) {
            try {
                signal("QUIT");
                server.process().waitFor(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // closed below by force
            }
            server.close();
        }
        deleteTree(directory);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no failure
        }
    }
}
