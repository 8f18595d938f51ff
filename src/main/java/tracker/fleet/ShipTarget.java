package tracker.fleet;

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
     * Reads the fleet store's address (see {@link PostgresAddress#parse}) and names this host.
     *
     * @throws IllegalArgumentException naming what is wrong with the URL
     */
    public static ShipTarget parse(String url, String hostNameOverride, Map<String, String> env) {
        PostgresAddress address = PostgresAddress.parse(url, "--ship-to", env);
        String hostName = hostNameOverride != null && !hostNameOverride.isBlank() ? hostNameOverride.trim()
                : localHostName();
        return new ShipTarget(address.jdbcUrl(), address.user(), address.password(), hostName, localMachineId());
    }

    /** The URL as it may be shown: a password in it is replaced. */
    public static String redact(String url) {
        return PostgresAddress.redact(url);
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
