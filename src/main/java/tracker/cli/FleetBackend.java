package tracker.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import tracker.server.ServerMetrics;
import tracker.store.DatabaseUnavailableException;
import tracker.store.PruneResult;
import tracker.store.ReapRecord;

/**
 * Answers from a fleet store: the PostgreSQL database that hosts' daemons ship their records
 * to. One session, read-only once its views are made ({@link FleetViews}); the records there
 * belong to the hosts, so nothing here changes them.
 */
final class FleetBackend implements Backend {

    /** Longest a query may run on the shared server, as through a daemon's command socket. */
    static final int STATEMENT_TIMEOUT_MS = 60_000;

    private final Connection connection;
    private final FleetScope scope;
    private final Jdbi jdbi;

    private FleetBackend(Connection connection, FleetScope scope) {
        this.connection = connection;
        this.scope = scope;
        this.jdbi = Jdbi.create(connection);
    }

    /**
     * @param hostNames the hosts to answer for; all when empty
     * @param views     whether to show the store as a host's own schema ({@link FleetViews}),
     *                  for the query commands' SQL; without, the store's tables are seen as they are
     * @throws DatabaseUnavailableException when the server cannot be reached or refuses the login
     * @throws UnknownHostsException        when a name in {@code hostNames} is no host of the store
     */
    static FleetBackend open(FleetUrl url, List<String> hostNames, boolean views) {
        Connection connection;
        try {
            // the driver itself, not DriverManager: the shaded jar's service files name H2's driver
            connection = new org.postgresql.Driver().connect(url.jdbcUrl(), url.properties());
            if (connection == null) {
                throw new DatabaseUnavailableException("--db " + url + " is not a PostgreSQL URL", null);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException("cannot connect to the fleet store " + url + ": " + reason(e), e);
        }
        try {
            List<FleetHost> all = hostsOf(connection);
            List<FleetHost> chosen = chosen(all, hostNames);
            if (views) {
                FleetViews.create(connection, chosen.stream().map(FleetHost::id).toList());
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
                statement.execute("SET statement_timeout = " + STATEMENT_TIMEOUT_MS);
            }
            return new FleetBackend(connection, new FleetScope(chosen));
        } catch (SQLException e) {
            closeQuietly(connection);
            throw new DatabaseUnavailableException("cannot read the fleet store " + url + ": " + reason(e), e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** Every host of the store, by name. */
    static List<FleetHost> hostsOf(Connection connection) throws SQLException {
        List<FleetHost> hosts = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT host_id, host_name, machine_id, last_shipped_at,"
                     + " caught_up_at FROM hosts ORDER BY host_name, machine_id, host_id")) {
            while (rs.next()) {
                hosts.add(new FleetHost(rs.getInt(1), rs.getString(2), rs.getString(3), instant(rs, 4),
                        instant(rs, 5)));
            }
        }
        return hosts;
    }

    private static java.time.Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    private static List<FleetHost> chosen(List<FleetHost> all, List<String> names) {
        if (names.isEmpty()) {
            return all;
        }
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (all.stream().noneMatch(host -> host.name().equals(name))) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownHostsException("no host " + String.join(", ", unknown) + " in the fleet store (its hosts: "
                    + (all.isEmpty() ? "none yet" : String.join(", ", all.stream().map(FleetHost::name).distinct()
                    .toList())) + ")");
        }
        return all.stream().filter(host -> names.contains(host.name())).toList();
    }

    /** A --host that names no host of the store: a usage error. */
    static final class UnknownHostsException extends IllegalArgumentException {
        UnknownHostsException(String message) {
            super(message);
        }
    }

    /** The server's own words, without its severity prefix or the driver's advice after them. */
    static String reason(SQLException e) {
        String message = String.valueOf(e.getMessage()).strip();
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        return message.replaceFirst("^(FATAL|ERROR): *", "")
                .replaceFirst("\\. Check that the hostname and port are correct.*$", "")
                .replaceFirst("\\.$", "");
    }

    FleetScope scope() {
        return scope;
    }

    @Override
    public Optional<FleetScope> fleet() {
        return Optional.of(scope);
    }

    @Override
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public <T> T withConnection(ConnectionWork<T> work) {
        try {
            return work.apply(connection);
        } catch (SQLException e) {
            throw Backend.readFailed(e);
        }
    }

    @Override
    public Connection readerConnection() {
        throw new UnsupportedOperationException("tracker sql does not read a fleet store");
    }

    @Override
    public Optional<ServerMetrics.Snapshot> daemonFigures() {
        return Optional.empty();
    }

    /**
     * None: the store holds many hosts, whose devices share ids but not sizes, and a host's
     * sizes are not shipped.
     */
    @Override
    public tracker.device.DeviceCapacities capacities() {
        return tracker.device.DeviceCapacities.none();
    }

    @Override
    public List<ReapRecord> reapNow() {
        throw new UnsupportedOperationException("a fleet store is not reaped");
    }

    @Override
    public PruneResult prune(long cutoffMicros) {
        throw new UnsupportedOperationException("a fleet store is not pruned");
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // the session ends with the connection either way
        }
    }
}
