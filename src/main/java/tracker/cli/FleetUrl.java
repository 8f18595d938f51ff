package tracker.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * A fleet store's address as {@code --db} takes it: {@code postgresql://user@host:port/db}
 * (also {@code postgres://}) or a {@code jdbc:postgresql:} URL. The user is the URL's, else
 * {@code PGUSER}; the password the URL's, else {@code PGPASSWORD}, else {@code ~/.pgpass} or
 * {@code PGPASSFILE} (read by the driver). Immutable; its text for messages never holds the
 * password.
 */
record FleetUrl(String jdbcUrl, String user, String password, String shown) {

    private static final String JDBC = "jdbc:postgresql:";

    /** Whether {@code text} names a fleet store rather than a database file. */
    static boolean names(String text) {
        return text.startsWith("postgresql://") || text.startsWith("postgres://") || text.startsWith(JDBC);
    }

    /**
     * @param environmentPassword what {@code PGPASSWORD} is, or null
     * @throws IllegalArgumentException for a URL that names no server or database
     */
    static FleetUrl parse(String text, String environmentPassword) {
        if (text.startsWith(JDBC)) {
            // the driver reads user and password from its own parameters, and says what is wrong with the rest
            return new FleetUrl(text, null, environmentPassword, withoutSecrets(text));
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + withoutSecrets(text) + "' is not a URL: " + e.getReason());
        }
        String database = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        if (uri.getHost() == null || database.isEmpty()) {
            throw new IllegalArgumentException("'" + withoutSecrets(text) + "' names no server and database (give"
                    + " postgresql://user@host:port/database)");
        }
        String user = null;
        String password = environmentPassword;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                password = decode(userInfo.substring(colon + 1));
            }
        }
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
                : uri.getHost();
        String address = host + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/" + database;
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String shown = "postgresql://" + (user == null ? "" : user + "@") + address;
        return new FleetUrl("jdbc:postgresql://" + address + query, user, password, shown);
    }

    /** What the driver is given besides the URL. */
    Properties properties() {
        Properties properties = new Properties();
        String named = user != null ? user : System.getenv("PGUSER"); // as psql: else the login name
        if (named != null && !named.isEmpty()) {
            properties.setProperty("user", named);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        // a server that does not answer is unavailable within seconds, never a hung command
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("loginTimeout", "10");
        properties.setProperty("ApplicationName", "tracker");
        return properties;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** {@code text} with a password in it (user:password@, or a password= parameter) blanked. */
    static String withoutSecrets(String text) {
        return text.replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return shown;
    }
}
