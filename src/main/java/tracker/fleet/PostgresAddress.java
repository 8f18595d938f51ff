package tracker.fleet;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A PostgreSQL server and database as a user names it, for shipping to a fleet store
 * ({@code --ship-to}) and for asking it ({@code --db}): one reading of the URL and of where
 * the password comes from, for both. Immutable; {@link #shown} never holds the password.
 *
 * @param jdbcUrl  a {@code jdbc:postgresql:} URL without credentials
 * @param user     the PostgreSQL user; null lets the driver choose (the OS user)
 * @param password null when none was found (the server may not ask for one)
 * @param shown    the address for messages: {@code postgresql://user@host:port/database}
 */
public record PostgresAddress(String jdbcUrl, String user, String password, String shown) {

    /** Whether {@code text} names a PostgreSQL database rather than a file. */
    public static boolean names(String text) {
        return text.startsWith("postgresql://") || text.startsWith("postgres://") || text.startsWith("jdbc:postgresql:");
    }

    /**
     * Reads {@code postgresql://user[:password]@host[:port]/db[?params]} (also {@code postgres://})
     * or a {@code jdbc:postgresql:} URL. The password is the URL's, else PGPASSWORD, else the
     * first matching line of the pgpass file (PGPASSFILE, default ~/.pgpass).
     *
     * @param option the option that gave it, named in the messages
     * @throws IllegalArgumentException naming what is wrong with the URL
     */
    public static PostgresAddress parse(String url, String option, Map<String, String> env) {
        String spec = url.trim();
        if (spec.startsWith("jdbc:")) {
            spec = spec.substring("jdbc:".length());
        }
        if (spec.startsWith("postgresql:") && !spec.startsWith("postgresql://")) {
            // jdbc:postgresql:db (the driver's local form)
            spec = "postgresql://localhost/" + spec.substring("postgresql:".length());
        }
        if (!spec.startsWith("postgresql://") && !spec.startsWith("postgres://")) {
            throw new IllegalArgumentException(option + " must be a postgresql://user@host:port/database or a"
                    + " jdbc:postgresql: URL, not " + redact(url));
        }
        URI uri;
        try {
            uri = new URI(spec);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(option + " is not a valid URL: " + redact(url));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException(option + " names no host: " + redact(url));
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String dbName = path.startsWith("/") ? decode(path.substring(1)) : decode(path);
        String user = null;
        String password = null;
        String query = uri.getRawQuery();
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        if (query != null) {
            for (String param : query.split("&")) {
                int eq = param.indexOf('=');
                String key = eq < 0 ? param : param.substring(0, eq);
                String value = eq < 0 ? "" : decode(param.substring(eq + 1));
                if (key.equals("user") && user == null) {
                    user = value;
                } else if (key.equals("password") && password == null) {
                    password = value;
                }
            }
        }
        if (user == null && env.get("PGUSER") != null) {
            user = env.get("PGUSER");
        }
        if (dbName.isEmpty()) {
            dbName = user != null ? user : "postgres";
        }
        String otherParams = query == null ? "" : stripCredentials(query);
        String jdbc = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
                + dbName + (otherParams.isEmpty() ? "" : "?" + otherParams);
        if (password == null) {
            password = env.get("PGPASSWORD");
        }
        if (password == null) {
            String effectiveUser = user != null ? user : System.getProperty("user.name");
            password = PgPass.lookup(pgpassFile(env), host, port, dbName, effectiveUser);
        }
        String shown = "postgresql://" + (user == null ? "" : user + "@") + (host.contains(":") ? "[" + host + "]" : host)
                + ":" + port + "/" + dbName;
        return new PostgresAddress(jdbc, user, password, shown);
    }

    private static Path pgpassFile(Map<String, String> env) {
        String file = env.get("PGPASSFILE");
        if (file != null && !file.isEmpty()) {
            return Path.of(file);
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".pgpass");
    }

    private static String stripCredentials(String query) {
        StringBuilder kept = new StringBuilder();
        for (String param : query.split("&")) {
            if (param.startsWith("user=") || param.startsWith("password=") || param.isEmpty()) {
                continue;
            }
            kept.append(kept.length() == 0 ? "" : "&").append(param);
        }
        return kept.toString();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL as it may be shown: a password in it is replaced. */
    public static String redact(String url) {
        return url.replaceAll("(://[^:/@]*):[^@/]*@", "$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return shown;
    }
}
