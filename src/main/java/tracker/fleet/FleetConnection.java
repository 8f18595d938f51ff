package tracker.fleet;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import org.flywaydb.core.Flyway;

/**
 * One session with the fleet store: opened, its schema brought up to date (the migrations of
 * db/migrations/fleet), and this host registered. Used by the shipper thread alone.
 */
final class FleetConnection implements AutoCloseable {

    /** A connect, or a statement, that hangs (a network cut) fails after this long. */
    static final int TIMEOUT_SECONDS = 10;

    final Connection connection;
    final int hostId;

    private FleetConnection(Connection connection, int hostId) {
        this.connection = connection;
        this.hostId = hostId;
    }

    static FleetConnection open(ShipTarget target, long nowMicros) throws SQLException {
        Properties properties = properties(target);
        migrate(target, properties);
        Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties);
        try {
            connection.setAutoCommit(false);
            int hostId = registerHost(connection, target, nowMicros);
            connection.commit();
            return new FleetConnection(connection, hostId);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    static Properties properties(ShipTarget target) {
        Properties properties = new Properties();
        if (target.user() != null) {
            properties.setProperty("user", target.user());
        }
        if (target.password() != null) {
            properties.setProperty("password", target.password());
        }
        properties.setProperty("connectTimeout", Integer.toString(TIMEOUT_SECONDS));
        properties.setProperty("loginTimeout", Integer.toString(TIMEOUT_SECONDS));
        // a cut network shows as a read that never returns: bounded, it becomes a retry
        properties.setProperty("socketTimeout", Integer.toString(6 * TIMEOUT_SECONDS));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", "tracker shipper");
        return properties;
    }

    /** Applies the fleet schema's migrations (several shippers may start at once: Flyway locks). */
    static void migrate(ShipTarget target, Properties properties) {
        Flyway.configure()
                .dataSource(target.jdbcUrl(), properties.getProperty("user"), properties.getProperty("password"))
                .locations("classpath:db/migrations/fleet")
                // F, not V: the local database's Flyway scans db/migrations with its subfolders,
                // and must neither run nor trip over the fleet's migrations
                .sqlMigrationPrefix("F")
                .table("fleet_schema_history")
                .baselineOnMigrate(false)
                .load()
                .migrate();
    }

    private static int registerHost(Connection connection, ShipTarget target, long nowMicros) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO hosts (host_name, machine_id,"
                + " first_shipped_at, last_shipped_at) VALUES (?, ?, ?, ?) ON CONFLICT (host_name, machine_id)"
                + " DO UPDATE SET host_name = EXCLUDED.host_name RETURNING host_id")) {
            upsert.setString(1, target.hostName());
            upsert.setString(2, target.machineId());
            upsert.setObject(3, utc(nowMicros));
            upsert.setObject(4, utc(nowMicros));
            try (ResultSet rows = upsert.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    static OffsetDateTime utc(long micros) {
        return OffsetDateTime.ofInstant(java.time.Instant.EPOCH.plusNanos(micros * 1000), ZoneOffset.UTC);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // the session is gone either way
        }
    }
}
