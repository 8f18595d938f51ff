package tracker.cli;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tracker.server.ServerConfig;
import tracker.server.TrackerDaemon;
import tracker.wire.WireVersion;

@Command(name = "serve", sortOptions = false,
        description = {"Run the daemon: receive allocation reports from TT-Metal processes on a Unix socket and "
                + "record them in the database. Stops, committing everything received, on SIGINT or SIGTERM."})
final class ServeCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${env:TRACKER_SOCKET:-/tmp/tt_allocation_server.sock}",
            description = "Socket to listen on (env TRACKER_SOCKET; default: ${DEFAULT-VALUE}).")
    Path socket;

    @Option(names = "--wire", paramLabel = "v1|v2|v3", defaultValue = "${env:TRACKER_WIRE:-v3}",
            converter = WireConverter.class, completionCandidates = WireConverter.Candidates.class,
            description = "Frame size the clients send: v3 (144 bytes, newest TT-Metal), v2 (112) or v1 (72). "
                    + "A lone 72-byte dump request works in any mode (env TRACKER_WIRE; default: ${DEFAULT-VALUE}).")
    WireVersion wire;

    @Mixin
    DatabaseOption database;

    @Option(names = "--commit-interval", paramLabel = "DURATION", defaultValue = "${env:TRACKER_COMMIT_INTERVAL:-500ms}",
            converter = DurationConverter.class,
            description = "Group-commit window: every event received is committed within it "
                    + "(env TRACKER_COMMIT_INTERVAL; default: ${DEFAULT-VALUE}).")
    Duration commitInterval;

    @Option(names = "--reap-interval", paramLabel = "DURATION", defaultValue = "${env:TRACKER_REAP_INTERVAL:-10s}",
            converter = DurationConverter.class,
            description = "How often every tracked process is checked for death; a disconnecting client is "
                    + "checked at once (env TRACKER_REAP_INTERVAL; default: ${DEFAULT-VALUE}).")
    Duration reapInterval;

    @Option(names = "--socket-mode", paramLabel = "MODE", defaultValue = "${env:TRACKER_SOCKET_MODE:-0660}",
            converter = SocketModeConverter.class, completionCandidates = SocketModeConverter.Candidates.class,
            description = "Permissions of the socket file, octal (env TRACKER_SOCKET_MODE; default: ${DEFAULT-VALUE}).")
    Set<PosixFilePermission> socketMode;

    @Option(names = "--socket-group", paramLabel = "GROUP", defaultValue = "${env:TRACKER_SOCKET_GROUP}",
            converter = GroupConverter.class,
            description = "Group to own the socket file, so its members may connect (env TRACKER_SOCKET_GROUP).")
    String socketGroup;

    @Option(names = "--device-info", paramLabel = "FILE", defaultValue = "${env:TRACKER_DEVICE_INFO}",
            description = "Device sizes for DEVICE_INFO_QUERY, one line per device: "
                    + "id, arch, total_dram_bytes, total_l1_bytes, dram_channels, dram_bytes_per_channel, "
                    + "l1_bytes_per_core (env TRACKER_DEVICE_INFO).")
    Path deviceInfo;

    @Option(names = "--retention", paramLabel = "DURATION", defaultValue = "${env:TRACKER_RETENTION:-0}",
            converter = DurationConverter.class,
            description = "Prune history and audit older than this every --prune-interval; 0 keeps everything "
                    + "(so 'tracker prune' refuses --older-than 0) (env TRACKER_RETENTION; default: ${DEFAULT-VALUE}).")
    Duration retention;

    @Option(names = "--prune-interval", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "How often --retention is applied (default: ${DEFAULT-VALUE}).")
    Duration pruneInterval;

    @Option(names = "--ship-to", paramLabel = "URL", defaultValue = "${env:TRACKER_SHIP_TO}",
            description = "Also ship what is recorded to a fleet store, a PostgreSQL database shared by many hosts: "
                    + "postgresql://user@host:port/database or a jdbc:postgresql: URL; the password from the URL, "
                    + "PGPASSWORD or ~/.pgpass. The local database stays the truth; an absent store only delays "
                    + "the copy (env TRACKER_SHIP_TO).")
    String shipTo;

    @Option(names = "--host-name", paramLabel = "NAME", defaultValue = "${env:TRACKER_HOST_NAME}",
            description = "The name this host's records carry in the fleet store (env TRACKER_HOST_NAME; default: "
                    + "the hostname, told apart from other machines of that name by /etc/machine-id).")
    String hostName;

    @Option(names = "--accept-rollback",
            description = "Start even if the database file is older than what was last committed to it (a truncated"
                    + " file, a restored backup); without it such a start is refused, naming what was found.")
    boolean acceptRollback;

    @Option(names = {"-v", "--verbose"}, description = "Log every message (slow: for debugging a client only).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            config = new ServerConfig(socket.toAbsolutePath(), wire, database.resolve(), commitInterval.toMillis(),
                    reapInterval.toMillis(), socketMode, socketGroup, deviceInfo, retention.toMillis(),
                    pruneInterval.toMillis(), verbose, acceptRollback);
        } catch (IllegalArgumentException e) {
            // the configuration checks its values together (ranges, the socket path's length)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        tracker.fleet.ShipTarget shipTarget = null;
        if (shipTo != null && !shipTo.isBlank()) {
            try {
                shipTarget = tracker.fleet.ShipTarget.parse(shipTo, hostName, System.getenv());
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        // --host-name alone (say TRACKER_HOST_NAME in a shared environment file) names nothing: no store
        DatabaseAccess.check(config.database(), true);
        TrackerDaemon daemon = new TrackerDaemon(config, System.out, Clock.systemUTC()).shipTo(shipTarget);
        daemon.start();
        try {
            daemon.startControlSocket(commandsFor(daemon));
        } catch (java.io.IOException | RuntimeException e) {
            daemon.close();
            throw e;
        }
        StopSignals.install(daemon::close);
        // any other way out of the JVM still commits what was received
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "tracker-shutdown"));
        daemon.stopped().join();
        // 0 only when everything received was committed and no thread of the daemon died
        return daemon.exitCode();
    }

    /**
     * Runs CLI commands that reach the daemon's command socket on the daemon's own data. The
     * socket lets only the query commands through (see tracker.server.CommandPolicy).
     */
    static tracker.server.ControlServer.Handler commandsFor(TrackerDaemon daemon) {
        return (args, out, err) -> {
            picocli.CommandLine commandLine = TrackerCommand.commandLineFor(args, DaemonBackend.factory(daemon),
                    Clock.systemUTC());
            // "@FILE" would make picocli read FILE as the daemon's user and echo it in an error
            commandLine.setExpandAtFiles(false);
            commandLine.setOut(out);
            commandLine.setErr(err);
            return commandLine.execute(args);
        };
    }
}
