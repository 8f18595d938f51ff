package tracker.fleet;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the shipper sends this host's records, and who this host is there.
 *
 * @param jdbcUrl    a {@code jdbc:postgresql:} URL without credentials
 * @param user       the PostgreSQL user; null lets the driver choose (the OS user)
 * @param password   null when none was found (the server may not ask for one)
 * @param hostName   the name this host's rows carry (--host-name, default the hostname)
 * @param machineId  /etc/machine-id, or "" where there is none
 */
public record ShipTarget(String jdbcUrl, String user, String password, String hostName, String machineId) {

    /** What the user sees of the target: never the password. */
    public String display() {
        return jdbcUrl + (user == null ? "" : " as " + user);
    }

    /**
     * Reads {@code postgresql://user[:password]@host[:port]/db[?params]} (also {@code postgres://})
     * or a {@code jdbc:postgresql:} URL. The password is the URL's, else PGPASSWORD, else the
     * first matching line of the pgpass file (PGPASSFILE, default ~/.pgpass).
     *
     * @throws IllegalArgumentException naming what is wrong with the URL
     */
    public static ShipTarget parse(String url, String hostNameOverride, Map<String, String> env) {
        String spec = url.trim();
        if (spec.startsWith("jdbc:")) {
            spec = spec.substring("jdbc:".length());
        }
        if (spec.startsWith("postgresql:") && !spec.startsWith("postgresql://")) {
            // jdbc:postgresql:db (the driver's local form)
            spec = "postgresql://localhost/" + spec.substring("postgresql:".length());
        }
        if (!spec.startsWith("postgresql://") && !spec.startsWith("postgres://")) {
            throw new IllegalArgumentException("--ship-to must be a postgresql://user@host:port/database or a"
                    + " jdbc:postgresql: URL, not " + redact(url));
        }
        URI uri;
        try {
            uri = new URI(spec);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("--ship-to is not a valid URL: " + redact(url));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("--ship-to names no host: " + redact(url));
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
        String hostName = hostNameOverride != null && !hostNameOverride.isBlank() ? hostNameOverride.trim()
                : localHostName();
        return new ShipTarget(jdbc, user, password, hostName, localMachineId());
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

    /** The kernel's hostname: what {@code hostname} prints. */
    static String localHostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (java.io.IOException e) {
            // not Linux: ask the JDK
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** Tells apart two machines of one hostname (containers, clones); "" where there is none. */
    static String localMachineId() {
        for (String file : new String[] {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
            try {
                String id = Files.readString(Path.of(file)).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            } catch (java.io.IOException e) {
                // try the next
            }
        }
        return "";
    }
}
