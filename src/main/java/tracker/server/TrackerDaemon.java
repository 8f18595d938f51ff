package tracker.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
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
import tracker.store.Database;
import tracker.store.LiveRow;
import tracker.store.LiveSegments;
import tracker.store.ProcessRow;
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
    private Thread acceptThread;
    private ConnectionAcceptor acceptor;
    private ProcessRegistry registry;
    private PeerResolver resolver;
    private DaemonContext context;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    public TrackerDaemon(ServerConfig config, PrintStream out, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.log = new EventLog(out, clock, config.verbose());
    }

    /** Opens the database, reaps what died while no daemon ran, reloads the live set and listens. */
    public TrackerDaemon start() throws IOException {
        if (Files.exists(config.socket()) && IngestSocket.answers(config.socket())) {
            throw new SocketInUseException("another daemon is listening on " + config.socket()
                    + "; stop it first, or pass --socket PATH");
        }
        DeviceCatalog devices = config.deviceInfo() == null ? DeviceCatalog.empty() : DeviceCatalog.load(config.deviceInfo());
        database = Database.open(config.database(), Database.Access.READ_WRITE);
        try {
            startOnOpenDatabase(devices);
        } catch (IOException | RuntimeException e) {
            database.close();
            throw e;
        }
        return this;
    }

    private void startOnOpenDatabase(DeviceCatalog devices) throws IOException {
        ProcFs procFs = new ProcFs();
        ProcessProbe probe = new ProcessProbe(procFs);
        boolean uncleanStop = markRunning(true);
        if (uncleanStop) {
            log.info("the previous daemon on this database did not stop cleanly (killed or crashed): "
                    + "events it received in its last commit window may be missing");
        }
        try (Reaper startupReaper = new Reaper(new StoredReapTarget(database, this::nowMicros), probe, log, this::nowMicros)) {
            startupReaper.reapNow(ReapReason.DEAD_AT_STARTUP);
        }
        StoredState state = StoredState.load(database.jdbi());
        registry = new ProcessRegistry(state.nextProcessId(), probe.bootId());
        resolver = new PeerResolver(procFs);
        Ledger ledger = new Ledger(state.nextChunkId(), state.nextSegmentSeq(), state.counters(),
                java.util.Map.of("malformed_frames", metrics.malformedFrames::get,
                        "pid_mismatches", metrics.pidMismatches::get),
                log::info);
        metrics.malformedFrames.set(state.counters().getOrDefault("malformed_frames", 0L));
        metrics.pidMismatches.set(state.counters().getOrDefault("pid_mismatches", 0L));
        // received and committed both count every run, so that they meet once all is committed
        eventsAtStart = state.counters().getOrDefault("events", 0L);
        metrics.eventsCommitted.set(eventsAtStart);
        java.util.Map<Long, ProcessRecord> owners = new java.util.HashMap<>();
        for (ProcessRow row : state.owners()) {
            ProcessRecord record = ProcessRecord.restored(row);
            owners.put(row.id(), record);
            registry.restore(record);
        }
        for (LiveSegments.ProcessLiveSet set : state.live()) {
            ProcessRecord owner = owners.get(set.processId());
            if (owner != null) {
                for (LiveRow row : set.rows()) {
                    ledger.restore(row, owner);
                }
                owner.storedEntries = set.storedEntries();
            }
        }

        context = new DaemonContext();
        CommitLoop writer = new CommitLoop(new StoreWriter(database.jdbi()), metrics, log, this::nowMicros);
        writerThread = startThread("tracker-writer", writer, false);
        LedgerLoop ledgerLoop = new LedgerLoop(ingest, ledger, writer, new DumpPrinter(), devices, metrics, log,
                this::nowMicros, config.commitIntervalMs(), state.nextReapId(), registry);
        ledgerThread = startThread("tracker-ledger", ledgerLoop, false);
        reaper = new Reaper(new LedgerReapTarget(context), probe, log, this::nowMicros);

        socket = IngestSocket.bind(config.socket(), config.socketMode());
        applySocketGroup();
        acceptor = new ConnectionAcceptor(socket, context, reaper);
        acceptThread = startThread("tracker-accept", acceptor, true);
        reaper.start(config.reapIntervalMs());
        if (config.retentionMs() > 0) {
            startPruner();
        }

        log.info("tracker serving on " + config.socket() + " (wire " + config.wire().label() + ", "
                + config.wire().frameBytes() + "-byte frames, socket mode "
                + PosixFilePermissions.toString(config.socketMode()) + ")");
        log.info("database " + Database.fileOf(database.path()) + ": " + state.live().stream().mapToLong(set -> set.rows().size()).sum()
                + " live records of "
                + state.owners().size() + " processes reloaded; commits every " + config.commitIntervalMs() + " ms");
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
            }
        }, config.pruneIntervalMs(), config.pruneIntervalMs(), TimeUnit.MILLISECONDS);
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

    private void applySocketGroup() throws IOException {
        if (config.socketGroup() == null) {
            return;
        }
        GroupPrincipal group = config.socket().getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(config.socketGroup());
        Files.getFileAttributeView(config.socket(), PosixFileAttributeView.class).setGroup(group);
    }

    /**
     * Opens the command socket beside the database, through which the CLI reads this
     * daemon's data while it holds the file.
     */
    public void startControlSocket(ControlServer.Handler handler) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = java.util.EnumSet.copyOf(config.socketMode());
        mode.removeIf(p -> p.name().endsWith("EXECUTE") || p.name().startsWith("OTHERS"));
        control = ControlServer.start(ServerConfig.controlSocketOf(config.database()), mode, handler, log);
    }

    /** Removes history and audit older than the cutoff, through the writer. */
    public tracker.store.PruneResult prune(long cutoffMicros) throws InterruptedException {
        CompletableFuture<tracker.store.PruneResult> done = new CompletableFuture<>();
        ingest.put(new LedgerTask.Prune(cutoffMicros, done));
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Commits everything accepted so far; returns once it is in the database. For tests and tools. */
    public void flush() throws InterruptedException {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        ingest.put(new LedgerTask.Flush(committed));
        try {
            committed.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
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
        if (ledgerThread != null) {
            try {
                ingest.put(new LedgerTask.Stop());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            join(ledgerThread, deadline);
            join(writerThread, deadline);
        }
        ServerMetrics.Snapshot figures = metrics.snapshot(nowMicros());
        if (database != null) {
            try {
                markRunning(false);
            } catch (RuntimeException e) {
                log.info("could not record the clean stop: " + e.getMessage());
            }
            database.close();
        }
        log.info("stopped: " + (figures.eventsCommitted() - eventsAtStart) + " events committed this run, "
                + figures.malformedFrames() + " malformed frames in all");
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

    private static Thread startThread(String name, Runnable body, boolean daemon) {
        Thread thread = new Thread(body, name);
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
