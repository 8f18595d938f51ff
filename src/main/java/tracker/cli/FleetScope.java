package tracker.cli;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hosts of a fleet store a command answers for: all of them, or those {@code --host}
 * names. Immutable.
 */
final class FleetScope {

    /** The column every fleet answer starts with. */
    static final String COLUMN = "host";

    private final Map<Integer, FleetHost> hosts = new LinkedHashMap<>();

    FleetScope(Collection<FleetHost> hosts) {
        hosts.forEach(host -> this.hosts.put(host.id(), host));
    }

    /** The hosts in scope, by name. */
    List<FleetHost> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The name of the host of the store's {@code host_id}; null for one not in scope. */
    String nameOfHost(int hostId) {
        FleetHost host = hosts.get(hostId);
        return host == null ? null : host.name();
    }

    /** The name of the host a fleet id (of a process or a reap) belongs to. */
    String hostOf(long fleetId) {
        FleetHost host = hosts.get(FleetHost.hostIdOf(fleetId));
        return host == null ? null : host.name();
    }
}
