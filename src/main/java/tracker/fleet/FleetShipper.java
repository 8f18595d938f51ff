package tracker.fleet;

import java.sql.SQLException;
import java.util.function.LongSupplier;
import tracker.log.EventLog;
import tracker.store.Database;
import tracker.store.ShipMarks;

/**
 * The shipper thread of {@code tracker serve --ship-to}: follows what the daemon committed to
 * its local file and copies it into the fleet store, on its own thread and its own
 * connections, so a slow or absent store never slows ingest. The local file is the truth:
 * nothing waits for the store but retention (see {@link #awaitCaughtUp}).
 *
 * <p>Exactly once: each shipment is read from one local snapshot and written in one
 * PostgreSQL transaction together with the per-table high-water marks it moves to
 * ({@code ship_marks}); a restart (daemon killed, store crashed, network cut) reads the marks
 * back from the store and goes on after the last committed shipment. The rows are also
 * keyed by host and local id and written with ON CONFLICT, so a shipment written again after
 * a commit whose answer was lost changes nothing.
 */
public final class FleetShipper implements Runnable, AutoCloseable {

    /** How often an idle shipper looks for new commits. */
    static final long POLL_MS = 200;
    static final long FIRST_RETRY_MS = 500;
    /** The longest wait between two connection attempts. */
    static final long MAX_RETRY_MS = 5_000;
    /** How often an idle shipper tells the store it is caught up (hosts.caught_up_at). */
    static final long CAUGHT_UP_EVERY_MICROS = 1_000_000;
    /**
     * System property: how many device_peaks windows one shipment reads at most (default
     * {@value ShipmentReader#MAX_PEAK_WINDOWS}). For tests: a small bound stands in for a minute
     * of more windows than the default, which takes many minutes of load to produce.
     */
    public static final String PEAK_WINDOWS_PROPERTY = "tracker.ship.peak-windows";

    private final ShipTarget target;
    private final Database database;
    private final EventLog log;
    private final LongSupplier nowMicros;
    private final ShipmentReader reader;
    private final long startedAtMicros;

    private volatile boolean closed;
    private volatile Thread thread;
    /** the time of the newest local snapshot the store holds whole; 0 before the first */
    private volatile long caughtUpAtMicros;
    private volatile long eventsShipped;
    private long caughtUpWrittenMicros;
    private final Object progress = new Object();
    /** what the last failure was, so that a log line is written only when it changes */
    private String failureShown;
    private long failingSinceMicros;

    public FleetShipper(ShipTarget target, Database database, EventLog log, LongSupplier nowMicros) {
        this.target = target;
        this.database = database;
        this.log = log;
        this.nowMicros = nowMicros;
        this.reader = new ShipmentReader(database,
                Math.max(1, Integer.getInteger(PEAK_WINDOWS_PROPERTY, ShipmentReader.MAX_PEAK_WINDOWS)));
        this.startedAtMicros = nowMicros.getAsLong();
    }

    public ShipTarget target() {
        return target;
    }

    /**
     * Starts shipping. Before anything is shipped, the local marks say nothing was: retention
     * keeps everything until the store confirms it holds it.
     */
    public void start() throws SQLException {
        ShipMarks.keepAllUnlessKnown(database);
        Thread started = new Thread(this, "tracker-shipper");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    private long retryMs = FIRST_RETRY_MS;

    @Override
    public void run() {
        while (!closed) {
            try (FleetConnection fleet = FleetConnection.open(target, nowMicros.getAsLong())) {
                ShipState state = ShipState.load(fleet.connection, fleet.hostId);
                fleet.connection.commit();
                LocalIds.refuseIfBehind(database, state);
                if (failureShown == null) {
                    log.info("shipping to fleet store " + target.display() + " as host '" + target.hostName()
                            + "' (host_id " + fleet.hostId + ")");
                }
                shipUntilClosed(fleet, state);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                failed(e, retryMs);
                sleep(retryMs);
                retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void shipUntilClosed(FleetConnection fleet, ShipState state) throws SQLException, InterruptedException {
        while (!closed) {
            long readAt = nowMicros.getAsLong();
            Shipment shipment = reader.read(state, readAt);
            if (!shipment.isEmpty()) {
                ShipmentWriter.write(fleet, shipment, nowMicros.getAsLong());
                state.apply(shipment);
                eventsShipped += shipment.events;
                new ShipMarks(state.chunkMark, state.reapMark, state.processesFinalBelow(), state.minuteMark)
                        .write(database);
                caughtUpWrittenMicros = readAt;
            } else if (readAt - caughtUpWrittenMicros >= CAUGHT_UP_EVERY_MICROS) {
                // an idle host is not a lagging one: the store learns it is fresh, but not 5 times a second
                ShipmentWriter.caughtUp(fleet, readAt);
                caughtUpWrittenMicros = readAt;
            }
            recovered();
            if (!shipment.limited) {
                caughtUpAtMicros = readAt;
                synchronized (progress) {
                    progress.notifyAll();
                }
                Thread.sleep(POLL_MS);
            }
        }
    }

    /** After a shipment (or a look that found nothing to ship) went through. */
    private void recovered() {
        if (failureShown != null) {
            log.info("fleet store " + target.display() + " reachable again after "
                    + (nowMicros.getAsLong() - failingSinceMicros) / 1_000_000 + " s: shipping what was recorded"
                    + " meanwhile");
            failureShown = null;
        }
        retryMs = FIRST_RETRY_MS;
    }

    /** One line per change of state, not per attempt. */
    private void failed(Exception e, long retryMs) {
        String state = stateOf(e);
        if (!state.equals(failureShown)) {
            if (failureShown == null) {
                failingSinceMicros = nowMicros.getAsLong();
            }
            failureShown = state;
            log.info("cannot ship to fleet store " + target.display() + ": " + reasonOf(e) + "; recording goes on"
                    + " locally, retrying (at most every " + MAX_RETRY_MS / 1000 + " s)");
        }
    }

    /**
     * What kind of failure: a store that is away (connection failures, SQLSTATE class 08, and a
     * server shutting down or starting, 57P) is one state whatever each attempt says on the
     * way down or back; refused credentials (28) another; anything else is its message.
     */
    static String stateOf(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String code = sql.getSQLState();
                if (code.startsWith("08") || code.startsWith("57P")) {
                    return "unreachable";
                }
                if (code.startsWith("28")) {
                    return "refused credentials";
                }
            }
            if (cause instanceof java.net.ConnectException || cause instanceof java.net.UnknownHostException
                    || cause instanceof java.net.SocketTimeoutException) {
                return "unreachable";
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return reasonOf(e);
    }

    /** The first line of the innermost message: what PostgreSQL or the network said. */
    static String reasonOf(Throwable e) {
        Throwable root = e;
        String message = e.getMessage();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            if (root.getMessage() != null) {
                message = root.getMessage();
            }
        }
        if (message == null) {
            message = root.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /**
     * How old the newest local state is that the store holds whole: with the store reachable
     * and keeping up, about {@link #POLL_MS}; it grows while the store is away.
     */
    public long lagMicros() {
        long caughtUp = caughtUpAtMicros;
        return Math.max(0, nowMicros.getAsLong() - (caughtUp == 0 ? startedAtMicros : caughtUp));
    }

    public long eventsShipped() {
        return eventsShipped;
    }

    /**
     * Waits until the store holds every commit made before this call, at most {@code boundMs}.
     *
     * @return true when it does
     */
    public boolean awaitCaughtUp(long boundMs) throws InterruptedException {
        long asked = nowMicros.getAsLong();
        long deadline = System.currentTimeMillis() + boundMs;
        synchronized (progress) {
            while (caughtUpAtMicros < asked) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || closed) {
                    return false;
                }
                progress.wait(left);
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        Thread running = thread;
        if (running != null) {
            running.interrupt();
            try {
                running.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
