package tracker.cli;

import java.util.Map;
import java.util.Properties;
import tracker.fleet.PostgresAddress;

/**
 * A fleet store's address as {@code --db} takes it, read as {@code --ship-to} reads it
 * ({@link PostgresAddress}): {@code postgresql://user@host:port/db} (also {@code postgres://})
 * or a {@code jdbc:postgresql:} URL; the user the URL's, else {@code PGUSER}; the password the
 * URL's, else {@code PGPASSWORD}, else {@code PGPASSFILE} or {@code ~/.pgpass}. Immutable; its
 * text for messages never holds the password.
 */
record FleetUrl(PostgresAddress address) {

    /** Whether {@code text} names a fleet store rather than a database file. */
    static boolean names(String text) {
        return PostgresAddress.names(text);
    }

    /**
     * @param env the environment (PGUSER, PGPASSWORD, PGPASSFILE, HOME)
     * @throws IllegalArgumentException for a URL that names no server
     */
    static FleetUrl parse(String text, Map<String, String> env) {
        return new FleetUrl(PostgresAddress.parse(text, "--db", env));
    }

    String jdbcUrl() {
        return address.jdbcUrl();
    }

    /** What the driver is given besides the URL. */
    Properties properties() {
        Properties properties = new Properties();
        if (address.user() != null && !address.user().isEmpty()) {
            properties.setProperty("user", address.user());
        }
        if (address.password() != null) {
            properties.setProperty("password", address.password());
        }
        // a server that does not answer is unavailable within seconds, never a hung command
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("loginTimeout", "10");
        properties.setProperty("ApplicationName", "tracker");
        return properties;
    }

    @Override
    public String toString() {
        return address.shown();
    }
}
