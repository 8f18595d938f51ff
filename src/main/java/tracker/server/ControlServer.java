package tracker.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import tracker.log.EventLog;

/**
 * The daemon's command socket, beside its database file: the CLI sends its arguments here
 * and the daemon runs the command on its own data, streaming the output back. This is how
 * the CLI sees live data while the daemon holds the file, with no network listener.
 *
 * <p>Request: int argc, then per argument int length + UTF-8 bytes. Reply: a sequence of
 * (byte stream, int length, bytes) with stream 1 = stdout, 2 = stderr, and last
 * (byte 0, int exit code).
 *
 * <p>Whoever can connect is treated as hostile, within {@link ControlLimits}: one selector
 * thread accepts and reads requests (a bounded number at once, each within a size and a
 * time limit), and a fixed pool of command threads runs them. A connection beyond a limit
 * is answered at once with one line and exit code 3 ("busy"), and no thread is made for it.
 * Only {@link CommandPolicy the query commands} run; those that change records only for the
 * daemon's own user and root, as the kernel reports the peer (SO_PEERCRED). A command over
 * its time or output limit, or that throws anything (OutOfMemoryError included), fails
 * alone with one line and exit code 3; its thread is never interrupted (it may be in H2).
 *
 * <p>Thread-safe.
 */
public final class ControlServer implements AutoCloseable {

    /** Runs one CLI command against the daemon's data. */
    public interface Handler {
        int run(String[] args, PrintWriter out, PrintWriter err);
    }

    /** Connections the kernel holds until accepted: a burst is answered (busy at worst), not refused. */
    private static final int BACKLOG = 256;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNAVAILABLE = 3;

    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Handler handler;
    private final ControlLimits limits;
    private final EventLog log;
    private final UserPrincipal owner;
    private final UserPrincipal root;
    private final ThreadPoolExecutor commands;
    private final ScheduledExecutorService watchdog;
    private final Thread selectorThread;
    /** Requests being read, by peer user; selector thread only. */
    private final Map<UserPrincipal, Integer> pendingByUser = new HashMap<>();
    private int pending;
    /** One permit per command that may run now. */
    private final Semaphore running;
    /** Commands running, by peer user; guarded by itself. */
    private final Map<UserPrincipal, Integer> runningByUser = new HashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private long lastLogNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(10);

    private ControlServer(Path path, ServerSocketChannel server, Selector selector, Handler handler,
                          ControlLimits limits, EventLog log, UserPrincipal owner, UserPrincipal root) {
        this.path = path;
        this.server = server;
        this.selector = selector;
        this.handler = handler;
        this.limits = limits;
        this.log = log;
        this.owner = owner;
        this.root = root;
        AtomicLong threadNumber = new AtomicLong();
        // the queue holds at most a command whose slot was freed while its thread ends the last
        // reply: the running permits, not the queue, bound what runs
        this.running = new Semaphore(limits.commandThreads());
        this.commands = new ThreadPoolExecutor(limits.commandThreads(), limits.commandThreads(), 0,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> daemonThread(runnable,
                "tracker-command-" + threadNumber.incrementAndGet()));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> daemonThread(runnable,
                "tracker-command-timer"));
        this.selectorThread = daemonThread(this::selectLoopGuarded, "tracker-control");
    }

    /** {@link #start(Path, Set, GroupPrincipal, Handler, ControlLimits, EventLog)}: default limits, no group. */
    public static ControlServer start(Path path, Set<PosixFilePermission> mode, Handler handler, EventLog log)
            throws IOException {
        return start(path, mode, null, handler, ControlLimits.DEFAULT, log);
    }

    /**
     * Binds {@code path}, with {@code mode} and, when not null, {@code group}, before the
     * first connection is accepted. The caller holds the database lock, so a file already
     * there is a leftover of a daemon that died, never a live one.
     */
    public static ControlServer start(Path path, Set<PosixFilePermission> mode, GroupPrincipal group, Handler handler,
                                      ControlLimits limits, EventLog log) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            Files.setPosixFilePermissions(path, mode);
            if (group != null) {
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
            }
            // the socket file is the daemon's own: its owner is the user the daemon runs as
            UserPrincipal owner = Files.getOwner(path);
            UserPrincipal root = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("0");
            server.configureBlocking(false);
            Selector selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            ControlServer control = new ControlServer(path, server, selector, handler, limits, log, owner, root);
            control.selectorThread.start();
            return control;
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Told if the selector thread dies of an error it cannot go on from; the daemon then stops. */
    private volatile java.util.function.Consumer<Throwable> onDeath = error -> { };

    /** Who is told when the command socket's own thread dies (a daemon without it looks alive and answers nobody). */
    public void onThreadDeath(java.util.function.Consumer<Throwable> callback) {
        this.onDeath = callback;
    }

    private void selectLoopGuarded() {
        try {
            selectLoop();
        } catch (Throwable e) {
            if (server.isOpen()) {
                onDeath.accept(e);
            }
        }
    }

    private void selectLoop() {
        while (server.isOpen()) {
            try {
                selector.select(millisToNextDeadline());
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else if (key.isReadable()) {
                        readFrom(key);
                    }
                }
                selector.selectedKeys().clear();
                dropExpiredRequests();
            } catch (IOException | RuntimeException e) {
                if (server.isOpen()) {
                    log.info("command socket: " + e);
                }
            } catch (OutOfMemoryError e) {
                // the requests in hand are small and bounded: drop them, keep accepting
                dropAllRequests();
            }
        }
        dropAllRequests();
    }

    private void acceptAll() throws IOException {
        SocketChannel client;
        while ((client = acceptOne()) != null) {
            client.configureBlocking(false);
            UserPrincipal peer = peerOf(client);
            if (pending >= limits.pendingConnections()
                    || pendingByUser.getOrDefault(peer, 0) >= limits.pendingPerUser()) {
                refused.incrementAndGet();
                refuse(client, "tracker: the daemon is busy: too many connections are still sending their "
                        + "command (at most " + limits.pendingConnections() + ", " + limits.pendingPerUser() + " per user); try again",
                        EXIT_UNAVAILABLE);
                continue;
            }
            long deadline = System.nanoTime() + limits.requestTimeout().toNanos();
            client.register(selector, SelectionKey.OP_READ, new ControlRequest(limits, peer, deadline));
            pending++;
            pendingByUser.merge(peer, 1, Integer::sum);
        }
    }

    /**
     * The next waiting connection, or null. Out of file descriptors (or any accept error) the
     * thread pauses a little instead of spinning on a socket that stays acceptable, and goes on.
     */
    private SocketChannel acceptOne() throws IOException {
        try {
            return server.accept();
        } catch (IOException e) {
            if (!server.isOpen()) {
                throw e;
            }
            logAtMostOncePerSecond("command socket: accept failed: " + e.getMessage());
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            return null;
        }
    }

    private void readFrom(SelectionKey key) {
        SocketChannel client = (SocketChannel) key.channel();
        ControlRequest request = (ControlRequest) key.attachment();
        int read;
        try {
            read = client.read(request.buffer());
        } catch (IOException e) {
            read = -1;
        }
        ControlRequest.State state = request.state();
        if (state == ControlRequest.State.COMPLETE) {
            forget(key);
            dispatch(client, request);
        } else if (state == ControlRequest.State.TOO_LARGE) {
            forget(key);
            refuse(client, "tracker: the command line is too long for the daemon (at most " + limits.maxArgs()
                    + " arguments and " + limits.maxRequestBytes() / 1024 + " KiB in all)", EXIT_USAGE);
        } else if (read < 0) {
            forget(key);
            closeQuietly(client);
        }
    }

    private void dropExpiredRequests() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ControlRequest request && now - request.deadlineNanos() >= 0) {
                forget(key);
                refuse((SocketChannel) key.channel(), "tracker: no complete command arrived within "
                        + limits.requestTimeout().toMillis() + " ms", EXIT_USAGE);
            }
        }
    }

    private void dropAllRequests() {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ControlRequest) {
                forget(key);
                closeQuietly(key.channel());
            }
        }
    }

    private long millisToNextDeadline() {
        long next = Long.MAX_VALUE;
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ControlRequest request) {
                next = Math.min(next, request.deadlineNanos() - now);
            }
        }
        return next == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
    }

    /** The request is no longer read: its key goes, and it stops counting as pending. */
    private void forget(SelectionKey key) {
        ControlRequest request = (ControlRequest) key.attachment();
        key.attach(null);
        key.cancel();
        pending--;
        pendingByUser.computeIfPresent(request.peer(), (user, count) -> count == 1 ? null : count - 1);
    }

    private void dispatch(SocketChannel client, ControlRequest request) {
        String[] args = request.args();
        java.util.Optional<String> refusal = CommandPolicy.refusal(args);
        if (refusal.isPresent()) {
            noteRefusal(request.peer(), refusal.get());
            refuse(client, refusal.get(), EXIT_USAGE);
            return;
        }
        UserPrincipal peer = request.peer();
        if (CommandPolicy.changesRecords(args) && !privileged(peer)) {
            noteRefusal(peer, args[0]);
            refuse(client, "tracker: only the daemon's user (" + owner.getName() + ") and root may " + args[0]
                    + " through the daemon; members of the socket's group may only read", EXIT_UNAVAILABLE);
            return;
        }
        synchronized (runningByUser) {
            if (!privileged(peer) && runningByUser.getOrDefault(peer, 0) >= limits.commandsPerUser()
                    || !running.tryAcquire()) {
                refuse(client, busyLine(), EXIT_UNAVAILABLE);
                return;
            }
            runningByUser.merge(peer, 1, Integer::sum);
        }
        long deadline = System.nanoTime() + limits.commandTimeout().toNanos();
        try {
            commands.execute(() -> runCommand(client, args, deadline, peer));
        } catch (RejectedExecutionException e) {
            finished(peer); // stopping
            closeQuietly(client);
        }
    }

    private boolean privileged(UserPrincipal peer) {
        return peer != null && (peer.equals(owner) || peer.equals(root));
    }

    /** On a command thread: runs the command; whatever it throws stays here. */
    private void runCommand(SocketChannel client, String[] args, long deadline, UserPrincipal peer) {
        Slot slot = new Slot(peer);
        try (ControlReply reply = new ControlReply(client, deadline, limits.maxOutputBytes(),
                "tracker: the command ran longer than the daemon allows (" + limits.commandTimeout().toSeconds()
                        + " s); narrow it")) {
            ScheduledFuture<?> timer = watchdog.schedule(reply::expire, deadline - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
            int code = ControlReply.EXIT_UNAVAILABLE;
            String failure = null;
            try {
                PrintWriter out = reply.writer(1);
                PrintWriter err = reply.writer(2);
                code = handler.run(args, out, err);
                out.flush();
                err.flush();
            } catch (ControlReply.Failed e) {
                failure = e.getMessage();
            } catch (OutOfMemoryError e) {
                failure = "tracker: the daemon ran out of memory for this command; narrow it";
            } catch (Throwable e) {
                failure = "tracker: the daemon failed to run the command: " + oneLine(e);
            } finally {
                timer.cancel(false);
                // free before the client hears the end: its next command must find the slot free
                slot.release();
            }
            if (failure != null) {
                reply.failWith(failure);
            } else {
                reply.end(code);
            }
        } catch (Throwable e) {
            // even the failure could not be told (out of memory again): the client sees the close
            closeQuietly(client);
        } finally {
            slot.release();
        }
    }

    /** A running command's place in the limits; released once. Confined to the command's thread. */
    private final class Slot {
        private final UserPrincipal peer;
        private boolean released;

        Slot(UserPrincipal peer) {
            this.peer = peer;
        }

        void release() {
            if (!released) {
                released = true;
                finished(peer);
            }
        }
    }

    private void finished(UserPrincipal peer) {
        running.release();
        synchronized (runningByUser) {
            runningByUser.computeIfPresent(peer, (user, count) -> count == 1 ? null : count - 1);
        }
    }

    private String busyLine() {
        refused.incrementAndGet();
        return "tracker: the daemon is busy with other commands (at most " + limits.commandThreads()
                + " at a time); try again";
    }

    /** Logs a refused command; selector thread only. */
    private void noteRefusal(UserPrincipal peer, String what) {
        long count = refused.incrementAndGet();
        logAtMostOncePerSecond("command socket refused " + (peer == null ? "an unknown user" : "user " + peer.getName())
                + ": " + what.replaceFirst("^tracker: ", "") + " (" + count + " refusals so far)");
    }

    /** At most one line a second, so that a flood does not flood the log; selector thread only. */
    private void logAtMostOncePerSecond(String line) {
        long now = System.nanoTime();
        if (now - lastLogNanos >= TimeUnit.SECONDS.toNanos(1)) {
            lastLogNanos = now;
            log.info(line);
        }
    }

    private static String oneLine(Throwable e) {
        String text = String.valueOf(e);
        return text.replaceAll("\\s+", " ");
    }

    /** Writes a short answer (it fits an empty socket buffer, so this never waits) and closes. */
    private static void refuse(SocketChannel client, String line, int exitCode) {
        byte[] text = (line + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer reply = ByteBuffer.allocate(10 + text.length);
        reply.put((byte) 2).putInt(text.length).put(text).put((byte) 0).putInt(exitCode).flip();
        try {
            client.write(reply);
        } catch (IOException e) {
            // the client went away: nothing to tell
        }
        closeQuietly(client);
    }

    private static UserPrincipal peerOf(SocketChannel client) {
        try {
            return client.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        } catch (IOException | UnsupportedOperationException e) {
            return null; // unknown: may read only
        }
    }

    private static Thread daemonThread(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /**
     * Stops accepting and removes the socket file. Running commands finish on their own (their
     * threads are never interrupted: they may be in H2) or at their deadline.
     */
    @Override
    public void close() throws IOException {
        server.close();
        selector.wakeup();
        try {
            selectorThread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.close();
        commands.shutdown();
        watchdog.shutdown();
        Files.deleteIfExists(path);
    }
}
