package tracker.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import tracker.log.EventLog;
import tracker.proc.PeerResolver;
import tracker.proc.ProcFs;
import tracker.proc.ProcessProbe;
import tracker.reaper.ReapReason;
import tracker.reaper.Reaper;
import tracker.reaper.StoredReapTarget;
import tracker.store.CommitMarker;
import tracker.store.Database;
import tracker.store.StoreWriter;
import tracker.store.StoredState;
import tracker.store.Times;
import tracker.wire.WireVersion;

/**
 * {@code tracker serve}: the socket, the ledger, the writer and the reaper, started and
 * stopped together. {@link #close()} (also run on SIGINT/SIGTERM) commits everything that
 * was accepted before it returns.
 *
 * <pre>
 * connections --(event lists, tasks)--> ingest queue --> ledger thread --(batches)--> writer thread --> H2
 * reaper ------------------------------------------------^
 * </pre>
 */
public final class TrackerDaemon implements AutoCloseable {

    /** Events read and not yet taken by the ledger; a full queue makes readers, and so clients, wait. */
    static final int INGEST_QUEUE_EVENTS = 65_536;
    /** the stored event count this run started from */
    private long eventsAtStart;
    private static final long STOP_TIMEOUT_MS = 30_000;
    /** How long prune and flush wait for their commit before they say the database does not take writes. */
    public static final long WRITE_WAIT_MS = 10_000;
    /** How long a stop waits for room in a full ingest queue before it counts the ledger as gone. */
    private static final long STOP_OFFER_MS = 2_000;

    private final ServerConfig config;
    private final EventLog log;
    private final Clock clock;
    private final ServerMetrics metrics = new ServerMetrics();
    private final IngestQueue ingest = new IngestQueue(INGEST_QUEUE_EVENTS);
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database database;
    private ControlServer control;
    private java.util.concurrent.ScheduledExecutorService pruner;
    private IngestSocket socket;
    private Reaper reaper;
    private Thread ledgerThread;
    private Thread writerThread;
    private CommitLoop writer;
    private GroupPrincipal socketGroup;
    /** the first of the daemon's own threads that died, and why; null while all are well */
    private volatile ThreadFailure failure;
    /** what the stop found: 0 when everything received was committed and the stop was clean */
    private volatile int exitCode;
    private Thread acceptThread;
    private ConnectionAcceptor acceptor;
    private ProcessRegistry registry;
    private PeerResolver resolver;
    private DaemonContext context;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** each device's memory sizes, read once at start */
    private volatile tracker.device.DeviceCapacities capacities = tracker.device.DeviceCapacities.none();
    /** where --ship-to sends the records, or null */
    private tracker.fleet.ShipTarget shipTarget;
    private tracker.fleet.FleetShipper shipper;
    /**
     * How long a prune waits for the shipper to catch up before it prunes only what the fleet
     * store holds (below the CLI's 10 s wait for an answer).
     */
    public static final long PRUNE_SHIP_WAIT_MS = 5_000;
    /** How long a clean stop gives the shipper to ship the last commits. */
    private static final long STOP_SHIP_WAIT_MS = 3_000;

    public TrackerDaemon(ServerConfig config, PrintStream out, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.log = new EventLog(out, clock, config.verbose());
    }

    /** Ships what is recorded to a fleet store (tracker serve --ship-to); call before {@link #start()}. */
    public TrackerDaemon shipTo(tracker.fleet.ShipTarget target) {
        this.shipTarget = target;
        return this;
    }

    /**
     * Opens the database, reaps what died while no daemon ran, reloads the live set and listens.
     * A start that fails leaves nothing behind: no running marker, no socket file, no thread.
     */
    public TrackerDaemon start() throws IOException {
        // what can be checked without touching anything is checked first: a bad start changes nothing
        StartChecks.socketDirectoryExists(config.socket());
        socketGroup = StartChecks.socketGroup(config);
        // before anything slow: a stale socket left by a daemon killed with -9 would tell a
        // script waiting for the file that this one listens, long before it does
        IngestSocket.removeStale(config.socket());
        capacities = tracker.device.DeviceCapacities.load(config.deviceInfo());
        DeviceCatalog devices = new DeviceCatalog(capacities);
        refuseLostFile();
        database = Database.open(config.database(), Database.Access.READ_WRITE);
        try {
            if (socketGroup != null) {
                database.shareDirectoryWith(socketGroup);
            }
            // listens under a name of its own until the acceptor runs (see startOnOpenDatabase)
            socket = IngestSocket.bind(config.socket(), config.socketMode(), socketGroup);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            database.close();
            throw e;
        }
        Boolean wasRunning = null;
        try {
            checkNotRolledBack();
            wasRunning = markRunning(true);
            startOnOpenDatabase(devices, wasRunning);
        } catch (IOException | RuntimeException e) {
            abortStart(wasRunning);
            throw e;
        }
        return this;
    }

    /** Undoes a start that failed once the database was open: threads, socket, marker. */
    private void abortStart(Boolean wasRunning) {
        closed.set(true);
        closeQuietly(socket);
        ingest.close();
        if (reaper != null) {
            reaper.close();
        }
        if (writer != null) {
            try {
                writer.stop(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread thread : new Thread[] {acceptThread, ledgerThread, writerThread}) {
            if (thread != null) {
                join(thread, System.currentTimeMillis() + 5_000);
            }
        }
        if (wasRunning != null) {
            try {
                setRunningMarker(wasRunning);
            } catch (RuntimeException e) {
                log.info("could not restore the running marker: " + e.getMessage());
            }
        }
        database.close();
        stopped.complete(null);
    }

    private void startOnOpenDatabase(DeviceCatalog devices, boolean uncleanStop) throws IOException {
        ProcFs procFs = new ProcFs();
        ProcessProbe probe = new ProcessProbe(procFs);
        if (uncleanStop) {
            log.info("the previous daemon on this database did not stop cleanly (killed or crashed): "
                    + "events it received in its last commit window may be missing");
        }
        try (Reaper startupReaper = new Reaper(new StoredReapTarget(database, this::nowMicros), probe, log, this::nowMicros)) {
            startupReaper.reapNow(ReapReason.DEAD_AT_STARTUP);
        }
        StoredState state = StoredState.load(database.jdbi());
        registry = new ProcessRegistry(state.nextProcessId(), probe.bootId(), new TagReader(procFs, metrics)::read);
        resolver = new PeerResolver(procFs);
        Ledger ledger = new Ledger(state.nextChunkId(), state.nextSegmentSeq(), state.counters(),
                java.util.Map.of("malformed_frames", metrics.malformedFrames::get,
                        "pid_mismatches", metrics.pidMismatches::get,
                        "dropped_tags", metrics.droppedTags::get,
                        "unreadable_environs", metrics.unreadableEnvirons::get),
                log::info);
        metrics.malformedFrames.set(state.counters().getOrDefault("malformed_frames", 0L));
        metrics.pidMismatches.set(state.counters().getOrDefault("pid_mismatches", 0L));
        metrics.droppedTags.set(state.counters().getOrDefault("dropped_tags", 0L));
        metrics.unreadableEnvirons.set(state.counters().getOrDefault("unreadable_environs", 0L));
        // received and committed both count every run, so that they meet once all is committed
        eventsAtStart = state.counters().getOrDefault("events", 0L);
        metrics.eventsCommitted.set(eventsAtStart);
        ledger.restoreAll(state, registry);

        context = new DaemonContext();
        writer = new CommitLoop(StoreWriter.of(database), metrics, log, this::nowMicros);
        writerThread = startThread("tracker-writer", writer, false);
        LedgerLoop ledgerLoop = new LedgerLoop(ingest, ledger, writer, new DumpPrinter(), devices,
                capacitiesFor(devices), metrics, log,
                this::nowMicros, config.commitIntervalMs(), state.nextReapId(), registry);
        ledgerThread = startThread("tracker-ledger", ledgerLoop, false);
        reaper = new Reaper(new LedgerReapTarget(context), probe, log, this::nowMicros);

        acceptor = new ConnectionAcceptor(socket, context, reaper);
        acceptThread = startThread("tracker-accept", acceptor, true);
        socket.publish(); // the socket file appears now that connections are accepted
        reaper.start(config.reapIntervalMs(), error -> threadDied("tracker-reaper", error));
        startShipper();
        if (config.retentionMs() > 0) {
            startPruner();
        }

        log.info("tracker serving on " + config.socket() + " (wire " + config.wire().label() + ", "
                + config.wire().frameBytes() + "-byte frames, socket mode "
                + PosixFilePermissions.toString(config.socketMode()) + ")");
        log.info("database " + Database.fileOf(database.path()) + ": " + state.live().stream().mapToLong(set -> set.rows().size()).sum()
                + " live records of "
                + state.owners().size() + " processes reloaded; commits every " + config.commitIntervalMs() + " ms");
        log.info(capacities.describe());
    }

    /**
     * Starts the shipper of --ship-to; without it, forgets any earlier shipping marks so that
     * retention no longer waits for a fleet store this daemon does not ship to.
     */
    private void startShipper() {
        if (shipTarget == null) {
            try {
                if (tracker.store.ShipMarks.clear(database)) {
                    log.info("not shipping to a fleet store (no --ship-to): retention no longer keeps unshipped"
                            + " records for one");
                }
            } catch (java.sql.SQLException e) {
                throw new tracker.store.StorageException(e);
            }
            return;
        }
        shipper = new tracker.fleet.FleetShipper(shipTarget, database, log, this::nowMicros);
        metrics.shipLag = shipper::lagMicros;
        try {
            shipper.start();
        } catch (java.sql.SQLException e) {
            throw new tracker.store.StorageException(e);
        }
    }

    /** Applies --retention every --prune-interval, through the writer like every other change. */
    private void startPruner() {
        pruner = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tracker-pruner");
            thread.setDaemon(true);
            return thread;
        });
        pruner.scheduleWithFixedDelay(() -> {
            try {
                tracker.store.PruneResult result = prune(nowMicros() - config.retentionMs() * 1000);
                if (result != null && (result.chunks() > 0 || result.reaps() > 0 || result.processes() > 0)) {
                    log.info("pruned what is older than " + java.time.Duration.ofMillis(config.retentionMs()) + ": "
                            + result.events() + " history events, " + result.reaps() + " reaps, "
                            + result.processes() + " processes");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // a task that throws is never run again: log and keep the schedule
                log.info("prune failed: " + e);
            } catch (Error e) {
                threadDied("tracker-pruner", e);
            }
        }, config.pruneIntervalMs(), config.pruneIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * Refuses a database older than what was last committed to it (see {@link CommitMarker}):
     * taken for the truth, it would have its past processes reaped and the live clients'
     * records forgotten.
     */
    private void checkNotRolledBack() throws IOException {
        long stored = database.jdbi().withHandle(handle -> handle.createQuery(
                "SELECT total FROM counters WHERE name = 'commit_seq'").mapTo(Long.class).one());
        CommitMarker marker = CommitMarker.of(config.database());
        long recorded = marker.read();
        if (recorded > stored) {
            String found = "database " + Database.fileOf(config.database()) + " holds commit " + stored
                    + ", but commit " + recorded + " was written to it (" + marker.path()
                    + "): the file is older than what was committed (truncated, or a backup restored over it)";
            if (!config.acceptRollback()) {
                throw new RolledBackDatabaseException(found + "; not starting on it. To use it as it is, start once"
                        + " with --accept-rollback");
            }
            log.info(found + "; using it as it is (--accept-rollback)");
            marker.record(stored);
        }
    }

    /**
     * A missing or empty file normally starts a new database; not when commits were written to
     * it: then it was truncated to nothing or deleted, and a new database would hide that.
     */
    private void refuseLostFile() throws IOException {
        java.nio.file.Path file = Database.fileOf(config.database());
        if (Files.exists(file) && Files.size(file) > 0 || config.acceptRollback()) {
            return;
        }
        CommitMarker marker = CommitMarker.of(config.database());
        long recorded = marker.read();
        if (recorded > 0) {
            throw new RolledBackDatabaseException("database " + file + " is " + (Files.exists(file) ? "empty" : "missing")
                    + ", but commit " + recorded + " was written to it (" + marker.path() + "); not starting a new"
                    + " database over it. To start anew, start once with --accept-rollback (or delete " + marker.path()
                    + ")");
        }
    }

    /** Sets the running marker; returns what it was before. */
    private boolean markRunning(boolean running) {
        return database.jdbi().inTransaction(handle -> {
            long before = handle.createQuery("SELECT total FROM counters WHERE name = 'daemon_running'")
                    .mapTo(Long.class).findOne().orElse(0L);
            handle.createUpdate("UPDATE counters SET total = ? WHERE name = 'daemon_running'")
                    .bind(0, running ? 1 : 0).execute();
            return before == 1;
        });
    }

    private void setRunningMarker(boolean running) {
        markRunning(running);
    }

    /**
     * Opens the command socket beside the database, through which the CLI reads this
     * daemon's data while it holds the file. It has the ingest socket's mode (less execute
     * bits and others: a query answers with any record) and group.
     */
    public void startControlSocket(ControlServer.Handler handler) throws IOException {
        startControlSocket(handler, ControlLimits.DEFAULT);
    }

    /** {@link #startControlSocket(ControlServer.Handler)} within other limits (tests reach them quickly). */
    public void startControlSocket(ControlServer.Handler handler, ControlLimits limits) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = java.util.EnumSet.copyOf(config.socketMode());
        mode.removeIf(p -> p.name().endsWith("EXECUTE") || p.name().startsWith("OTHERS"));
        control = ControlServer.start(ServerConfig.controlSocketOf(config.database()), mode, socketGroup, handler,
                limits, log);
        control.onThreadDeath(error -> threadDied("tracker-control", error));
    }

    /**
     * Removes history and audit older than the cutoff, through the writer.
     *
     * @throws tracker.store.DatabaseUnavailableException when it is not committed within {@link #WRITE_WAIT_MS}
     *         (a full disk, say): it stays queued and is applied once writes succeed
     */
    public tracker.store.PruneResult prune(long cutoffMicros) throws InterruptedException {
        tracker.fleet.FleetShipper shipping = shipper;
        if (shipping != null && !shipping.awaitCaughtUp(PRUNE_SHIP_WAIT_MS)) {
            log.info("prune: the fleet store is " + shipping.lagMicros() / 1_000_000 + " s behind after waiting "
                    + PRUNE_SHIP_WAIT_MS / 1000 + " s for it; pruning only what it holds, the rest later");
        }
        CompletableFuture<tracker.store.PruneResult> done = new CompletableFuture<>();
        return awaitWrite(new LedgerTask.Prune(cutoffMicros, done), done, "the prune");
    }

    /**
     * The sizes tracker top draws its bars against: the daemon's device capacities (its
     * {@code --device-info} file, else sysfs), as DEVICE_INFO_QUERY answers them.
     */
    private static GroupCapacities capacitiesFor(DeviceCatalog devices) {
        return devices;
    }

    /** How long {@link #top()} waits for the ledger thread, which answers in queue order. */
    static final long TOP_WAIT_MS = 5_000;

    /**
     * The live figures {@code tracker top} shows, from memory: no database read.
     *
     * @throws tracker.store.DatabaseUnavailableException when the ledger does not answer within
     *         {@link #TOP_WAIT_MS} (the daemon is stopping, or far behind its clients)
     */
    public TopFigures top() throws InterruptedException {
        CompletableFuture<TopFigures> answer = new CompletableFuture<>();
        long deadline = System.currentTimeMillis() + TOP_WAIT_MS;
        if (!ingest.offer(new LedgerTask.Top(answer), TOP_WAIT_MS)) {
            throw new tracker.store.DatabaseUnavailableException("the daemon's live figures were refused: it is stopping "
                    + "or overloaded", null);
        }
        try {
            return answer.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new tracker.store.DatabaseUnavailableException("the daemon did not give its live figures within "
                    + TOP_WAIT_MS / 1000 + " s: it is far behind its clients", null);
        } catch (ExecutionException e) {
            throw new tracker.store.DatabaseUnavailableException("the daemon's live figures failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Commits everything accepted so far; returns once it is in the database. For tests and tools. */
    public void flush() throws InterruptedException {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        awaitWrite(new LedgerTask.Flush(committed), committed, "the flush");
    }

    /**
     * Runs {@code work} on the ledger thread, or on the writer thread once everything before it
     * is committed. For tests that inject a failure where a real one would strike.
     */
    void runOn(boolean writerThread, Runnable work) throws InterruptedException {
        ingest.put(new LedgerTask.Run(work, writerThread));
    }

    private <T> T awaitWrite(LedgerTask task, CompletableFuture<T> done, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WRITE_WAIT_MS;
        if (!ingest.offer(task, WRITE_WAIT_MS)) {
            throw new tracker.store.DatabaseUnavailableException(what + " was refused: the daemon is stopping or overloaded", null);
        }
        try {
            return done.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new tracker.store.DatabaseUnavailableException(what + " is not committed after " + WRITE_WAIT_MS / 1000
                    + " s: the database is not accepting writes (disk full?); it stays queued and is applied "
                    + "once writes succeed", null);
        } catch (ExecutionException e) {
            throw new tracker.store.DatabaseUnavailableException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    public Reaper reaper() {
        return reaper;
    }

    public Database database() {
        return database;
    }

    public ServerMetrics.Snapshot metrics() {
        return metrics.snapshot(nowMicros());
    }

    /**
     * The ledger's latest published figures: no lock, no wait (see {@link LiveFigures}). The
     * first call asks the ledger to publish them from then on; until then it does not.
     */
    public LiveFigures liveFigures() {
        metrics.liveFiguresWanted = true;
        return metrics.liveFigures;
    }

    /** One line in the daemon's log: for parts started beside it (the metrics endpoint). */
    public void logInfo(String line) {
        log.info(line);
    }

    /** Each device's memory sizes, as read at start (from --device-info, else sysfs). */
    public tracker.device.DeviceCapacities capacities() {
        return capacities;
    }

    public ServerConfig config() {
        return config;
    }

    /** Completes when the daemon has stopped. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    long nowMicros() {
        return Times.micros(clock.instant());
    }

    /**
     * 0 after a stop that committed everything received; {@link #FAILED} when a thread died or
     * received events could not be committed. Meaningful once {@link #stopped()} completed.
     */
    public int exitCode() {
        return exitCode;
    }

    /** The exit status of a daemon that stopped with a loss or a dead thread: a supervisor restarts it. */
    public static final int FAILED = 3;

    /** A thread of the daemon's own that died, and why. */
    private record ThreadFailure(String thread, Throwable cause) {
    }

    /**
     * One of the daemon's own threads died: a daemon missing its ledger, writer, reaper or
     * acceptor would look alive and keep none of its promises. Say so once, then stop, committing
     * what can still be committed.
     */
    void threadDied(String thread, Throwable cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = new ThreadFailure(thread, cause);
        }
        log.info(thread + " died (" + cause + "); stopping the daemon");
        if (thread.equals("tracker-ledger")) {
            abandonQueued(new IllegalStateException("the daemon's ledger failed: " + cause));
        }
        Thread stopper = new Thread(this::close, "tracker-failstop");
        stopper.setDaemon(false);
        stopper.start();
    }

    /** With the ledger gone, nothing queued will be answered: fail its waiters and wake the producers. */
    private void abandonQueued(RuntimeException why) {
        ingest.close();
        java.util.List<Object> left = new java.util.ArrayList<>();
        while (ingest.drainTo(left, 1024) > 0) {
            left.forEach(item -> LedgerTask.abandon(item, why));
            left.clear();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            stopped.join();
            return;
        }
        try {
            stopAll();
        } finally {
            stopped.complete(null);
        }
    }

    /** Gives the shipper a moment to ship the last commits; what it cannot, the next start ships. */
    private void stopShipper() {
        if (shipper == null) {
            return;
        }
        try {
            if (!shipper.awaitCaughtUp(STOP_SHIP_WAIT_MS)) {
                log.info("the fleet store is behind: the next start ships the rest");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shipper.close();
    }

    /** Every wait in here has a bound: a stop never hangs, whatever died before it. */
    private void stopAll() {
        log.info("stopping: draining connections and committing what they sent");
        closeQuietly(control);
        if (pruner != null) {
            pruner.shutdownNow();
        }
        if (reaper != null) {
            reaper.close();
        }
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MS;
        if (acceptor != null) {
            acceptor.stop(deadline);
        } else {
            closeQuietly(socket);
        }
        if (acceptThread != null) {
            join(acceptThread, deadline);
        }
        boolean writerStopped = stopLedgerAndWriter(deadline);
        stopShipper();
        ServerMetrics.Snapshot figures = metrics.snapshot(nowMicros());
        long committed = figures.eventsCommitted() - eventsAtStart;
        long notCommitted = Math.max(0, figures.eventsReceived() - committed);
        boolean clean = failure == null && notCommitted == 0 && writerStopped;
        exitCode = clean ? 0 : FAILED;
        if (database != null) {
            if (clean) {
                try {
                    markRunning(false);
                } catch (RuntimeException e) {
                    exitCode = FAILED;
                    log.info("could not record the clean stop: " + e.getMessage());
                }
            }
            database.close();
        }
        log.info("stopped: " + String.format("%,d", committed) + " events committed"
                + (notCommitted > 0 ? "; " + String.format("%,d", notCommitted)
                        + " received events could not be committed" : "")
                + (failure != null ? "; " + failure.thread() + " had died" : "")
                + ", " + figures.malformedFrames() + " malformed frames in all"
                + (exitCode == 0 ? "" : "; the next start will report an unclean stop"));
    }

    /** @return true when the writer ended with every batch handed to it written or given up */
    private boolean stopLedgerAndWriter(long deadline) {
        if (ledgerThread == null) {
            return true;
        }
        try {
            if (ledgerThread.isAlive() && !ingest.offer(new LedgerTask.Stop(), STOP_OFFER_MS)) {
                log.info("the ledger took no stop request within " + STOP_OFFER_MS + " ms");
            }
            join(ledgerThread, deadline);
            if (ledgerThread.isAlive() || failure != null && failure.thread().equals("tracker-ledger")) {
                // the ledger cannot hand over its last batch: end the writer after what it has
                abandonQueued(new IllegalStateException("the daemon is stopping"));
                writer.stop(Math.max(1, deadline - System.currentTimeMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        join(writerThread, deadline);
        return !writerThread.isAlive() && !ledgerThread.isAlive();
    }

    private void join(Thread thread, long deadlineMs) {
        try {
            thread.join(Math.max(1, deadlineMs - System.currentTimeMillis()));
            if (thread.isAlive()) {
                log.info(thread.getName() + " did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    /** A thread of the daemon's own: if it ever dies of an error, the daemon stops (see {@link #threadDied}). */
    private Thread startThread(String name, Runnable body, boolean daemon) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                threadDied(name, e);
            }
        }, name);
        thread.setDaemon(daemon);
        thread.start();
        return thread;
    }

    /** The daemon as its connections see it. */
    private final class DaemonContext implements ServerContext {
        @Override
        public WireVersion wire() {
            return config.wire();
        }

        @Override
        public long nowMicros() {
            return TrackerDaemon.this.nowMicros();
        }

        @Override
        public void enqueue(Object item) throws InterruptedException {
            ingest.put(item);
            if (item instanceof java.util.List<?> events) {
                // counted once queued: a stop compares it with what was committed
                metrics.eventsReceived.add(events.size());
            }
        }

        @Override
        public ServerMetrics metrics() {
            return metrics;
        }

        @Override
        public EventLog log() {
            return log;
        }

        @Override
        public PeerResolver resolver() {
            return resolver;
        }

        @Override
        public ProcessRegistry registry() {
            return registry;
        }

        @Override
        public void reapBeforeDump() {
            reaper.reapNow();
        }
    }
}
