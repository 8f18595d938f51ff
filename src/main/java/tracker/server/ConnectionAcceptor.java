package tracker.server;

import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import tracker.log.EventLog;
import tracker.proc.PeerResolver;
import tracker.reaper.Reaper;
import tracker.store.ProcessRow;

/**
 * Accepts client connections ({@code tracker-accept}) and gives each a reading thread of its
 * own. At the file-descriptor limit it says so once and waits for connections to close,
 * instead of failing or spinning. When a connection closes, the processes it reported for are
 * handed to the reaper at once. Thread-safe.
 */
final class ConnectionAcceptor implements Runnable {

    private static final long FD_LIMIT_RETRY_MS = 1_000;
    /** Reading threads need little stack; a thousand clients must not cost a gigabyte. */
    private static final long CONNECTION_STACK_BYTES = 256 * 1024;

    private final IngestSocket socket;
    private final ServerContext context;
    private final Reaper reaper;
    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong numbers = new AtomicLong();
    private final Object closedSignal = new Object();
    private volatile boolean stopping;

    ConnectionAcceptor(IngestSocket socket, ServerContext context, Reaper reaper) {
        this.socket = socket;
        this.context = context;
        this.reaper = reaper;
    }

    @Override
    public void run() {
        boolean atLimit = false;
        while (!stopping) {
            AFUNIXSocket client;
            try {
                client = socket.accept();
            } catch (SocketException e) {
                if (stopping) {
                    return;
                }
                if (IngestSocket.isFileDescriptorLimit(e)) {
                    if (!atLimit) {
                        log().info("file-descriptor limit reached with " + connections.size()
                                + " connections open: new clients wait until some close");
                        atLimit = true;
                    }
                    awaitAConnectionClosed();
                } else {
                    log().info("accept failed: " + e.getMessage());
                }
                continue;
            } catch (IOException e) {
                if (!stopping) {
                    log().info("accept failed: " + e.getMessage());
                }
                continue;
            }
            if (atLimit) {
                log().info("accepting connections again (" + connections.size() + " open)");
                atLimit = false;
            }
            serve(client);
        }
    }

    private void serve(AFUNIXSocket client) {
        try {
            AFUNIXSocketCredentials credentials = client.getPeerCredentials();
            int peerPid = credentials == null ? PeerResolver.NO_PEER_CREDENTIALS : (int) credentials.getPid();
            int peerUid = credentials == null ? -1 : (int) credentials.getUid();
            // read now, while the client surely lives: a short-lived one may be gone by its first frame
            PeerResolver.Peer peer = context.resolver().peer(peerPid, peerUid);
            String command = peer.command();
            long number = numbers.incrementAndGet();
            ClientConnection connection = new ClientConnection(number, client, context, peer);
            Thread thread = new Thread(null, () -> {
                try {
                    connection.run();
                } finally {
                    closed(connection);
                }
            }, "tracker-conn-" + number, CONNECTION_STACK_BYTES);
            thread.setDaemon(true);
            connections.add(connection);
            threads.add(thread);
            context.metrics().connectionsAccepted.incrementAndGet();
            context.metrics().connectionsOpen.incrementAndGet();
            log().info("client connected: pid " + peerPid + " uid " + peerUid + " (" + command + "), connection #"
                    + number);
            thread.start();
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError here is "unable to create native thread": refuse this client, serve the rest
            log().info("could not serve a new connection: " + e);
            try {
                client.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private void closed(ClientConnection connection) {
        connection.released();
        handOverDrained(connection);
        connections.remove(connection);
        threads.remove(Thread.currentThread());
        // logged before it stops counting as open: whoever sees the count drop finds the line
        log().info("client disconnected: pid " + connection.peerPid() + ", connection #" + connection.number() + ", "
                + connection.frames() + " frames in " + connection.reads() + " reads"
                + (connection.malformed() > 0 ? ", " + connection.malformed() + " malformed" : "")
                + " (" + connection.endReason() + ")");
        context.metrics().connectionsOpen.decrementAndGet();
        synchronized (closedSignal) {
            closedSignal.notifyAll();
        }
        if (!stopping) {
            // an unresolved process that nothing can vouch for any more goes now; every other
            // is looked at soon (an unresolved one through its peer, once no connection keeps it)
            List<ProcessRow> orphans = new java.util.ArrayList<>();
            List<ProcessRow> check = new java.util.ArrayList<>();
            for (ProcessRecord process : connection.processes()) {
                (process.orphaned() ? orphans : check).add(process.livenessRow());
            }
            reaper.checkSoon(check);
            reaper.reapOrphans(orphans);
        }
    }

    /**
     * Queues, after the connection's last frames, the task that tells its processes it is
     * drained: the reaps that the disconnect prompts come after it, and so after every frame.
     */
    private void handOverDrained(ClientConnection connection) {
        try {
            context.enqueue(new LedgerTask.Run(connection::drained, false));
        } catch (IngestQueue.QueueClosedException e) {
            // the ledger takes nothing more: nothing waits for this connection either
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitAConnectionClosed() {
        synchronized (closedSignal) {
            try {
                closedSignal.wait(FD_LIMIT_RETRY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops listening, closes every connection; their threads hand over what they read, then end. */
    void stop(long deadlineMs) {
        stopping = true;
        try {
            socket.close();
        } catch (IOException e) {
            log().info("could not remove the socket file: " + e.getMessage());
        }
        for (ClientConnection connection : connections) {
            connection.finishReading();
        }
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, deadlineMs - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private EventLog log() {
        return context.log();
    }
}
