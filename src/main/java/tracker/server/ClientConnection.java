package tracker.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.newsclub.net.unix.AFUNIXSocket;
import tracker.proc.PeerResolver;
import tracker.proc.ProcessIdentity;
import tracker.wire.DeviceInfo;
import tracker.wire.DeviceTotals;
import tracker.wire.Frame;
import tracker.wire.FrameAssembler;
import tracker.wire.FrameCheck;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.VersionSniffer;
import tracker.wire.WireVersion;

/**
 * Reads one client connection on its own thread: many frames per read, decoded and checked
 * here, handed to the ledger as one list per read. Never touches the database. A connection
 * whose stream cannot be resynchronised is closed; every other connection carries on.
 */
final class ClientConnection implements Runnable {

    static final int READ_BYTES = 64 * 1024;
    /** Bad frames among the last {@link #BAD_WINDOW} that close the connection. */
    static final int MAX_BAD_FRAMES = 10;
    static final int BAD_WINDOW = 20;
    /**
     * A shorter-frame client that sent a request waits for the reply that a longer-frame
     * daemon never sends: after this long with exactly a legacy frame pending, say so and close.
     */
    static final int LEGACY_STALL_MS = 1_000;
    /** Distinct pids one connection may report for; the frames of any further pid are the peer's own. */
    static final int MAX_CLAIMED_PIDS = 4_096;

    private final long number;
    private final AFUNIXSocket socket;
    private final ServerContext context;
    /** the peer as read when the connection was accepted */
    private final PeerResolver.Peer peer;
    private final int peerPid;
    private final int peerUid;
    private final String peerCommand;
    /**
     * What each pid reported on this connection was taken for, decided at its first frame: a
     * pid once believed stays believed (its process may exit while its frames are still read).
     */
    private final Map<Integer, Claim> claims = new HashMap<>();
    /**
     * The claim of the previous frame: a connection nearly always reports for one pid, so
     * this spares a boxed map lookup per frame.
     */
    private int lastPid;
    private Claim lastClaim;
    /** where the frames of pids past {@link #MAX_CLAIMED_PIDS} go, once there are any */
    private Claim overflow;

    /** unresolved processes this connection keeps from being reaped while it is open (see ProcessRecord.openConnections) */
    private final List<ProcessRecord> kept = new ArrayList<>(1);
    /** the process of this connection's peer, once it reported for itself: counted in its undrainedConnections until the ledger has its frames */
    private final java.util.Set<ProcessRecord> reportedFor = new java.util.HashSet<>();
    private boolean loggedMismatch;
    private long frames;
    /** reads that returned data: frames per read tells how well reads batch under load */
    private long reads;
    private long malformed;
    /** one bit per recent frame, 1 = bad; the lowest bit is the latest */
    private int recentBad;
    private boolean loggedMalformed;
    private String endReason = "open";

    ClientConnection(long number, AFUNIXSocket socket, ServerContext context, PeerResolver.Peer peer) {
        this.number = number;
        this.socket = socket;
        this.context = context;
        this.peer = peer;
        this.peerPid = peer.pid();
        this.peerUid = peer.uid();
        this.peerCommand = peer.command();
    }

    @Override
    public void run() {
        String endReason = "closed by client";
        try (socket) {
            endReason = readUntilClosed(socket.getInputStream(), socket.getOutputStream());
        } catch (IOException e) {
            endReason = "read error: " + e.getMessage();
        } catch (InterruptedException e) {
            endReason = "daemon stopping";
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            endReason = "internal error: " + e;
            context.log().info("connection #" + number + " failed: " + e);
        } finally {
            this.endReason = endReason;
        }
    }

    String endReason() {
        return endReason;
    }

    private String readUntilClosed(InputStream in, OutputStream out) throws IOException, InterruptedException {
        WireVersion version = context.wire();
        int frameBytes = version.frameBytes();
        FrameAssembler assembler = new FrameAssembler(frameBytes, READ_BYTES);
        byte[] buffer = assembler.buffer();
        int timeout = 0;
        while (true) {
            int wanted = stalledLegacyRequestPossible(assembler) ? LEGACY_STALL_MS : 0;
            if (wanted != timeout) {
                socket.setSoTimeout(wanted);
                timeout = wanted;
            }
            int read;
            try {
                read = in.read(buffer, assembler.writeOffset(), assembler.writableBytes());
            } catch (java.net.SocketTimeoutException e) {
                WireVersion shorter = WireVersion.ofFrameBytes(assembler.pendingBytes());
                if (shorter != null && isRequest(FrameCodec.decode(buffer, 0))) {
                    countMalformed("a " + shorter.frameBytes() + "-byte request waits for a reply");
                    return mismatch("the client sends " + shorter.label() + " (" + shorter.frameBytes()
                            + "-byte) frames and waits for a reply; start a daemon with --wire " + shorter.label()
                            + " for it");
                }
                continue;
            }
            if (read < 0) {
                return handleTail(assembler, out);
            }
            reads++;
            assembler.filled(read);
            long now = context.nowMicros();
            int count = assembler.frameCount();
            List<Event> events = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int offset = assembler.frameOffset(i);
                String close = handleFrame(buffer, offset, version, events, now, out);
                if (close != null) {
                    frames += i + 1;
                    context.metrics().framesReceived.add(i + 1);
                    context.enqueue(events);
                    return close;
                }
            }
            frames += count;
            context.metrics().framesReceived.add(count);
            if (!events.isEmpty()) {
                context.enqueue(events);
            }
            assembler.consumed();
        }
    }

    private boolean stalledLegacyRequestPossible(FrameAssembler assembler) {
        WireVersion pending = WireVersion.ofFrameBytes(assembler.pendingBytes());
        return pending != null && pending.frameBytes() < context.wire().frameBytes();
    }

    private static boolean isRequest(Frame frame) {
        MessageType type = frame.type();
        return (type == MessageType.QUERY || type == MessageType.DEVICE_INFO_QUERY) && FrameCheck.check(frame) == null;
    }

    /**
     * A stream that ends on a partial frame of exactly a legacy size carries a legacy
     * message: {@code dump_remaining_buffers.py} sends 72 bytes and closes.
     */
    private String handleTail(FrameAssembler assembler, OutputStream out) throws IOException, InterruptedException {
        int pending = assembler.pendingBytes();
        if (pending == 0) {
            return "closed by client";
        }
        WireVersion legacy = WireVersion.ofFrameBytes(pending);
        if (legacy != null && legacy.frameBytes() < context.wire().frameBytes()) {
            List<Event> events = new ArrayList<>(1);
            handleFrame(assembler.buffer(), 0, legacy, events, context.nowMicros(), out);
            context.enqueue(events);
            return "closed by client after a " + legacy.frameBytes() + "-byte legacy message";
        }
        countMalformed("stream ended inside a frame (" + pending + " of " + context.wire().frameBytes() + " bytes)");
        return "closed by client mid-frame";
    }

    /** @return a reason to close the connection, or null to go on */
    private String handleFrame(byte[] buffer, int offset, WireVersion version, List<Event> events, long now,
                               OutputStream out) throws IOException, InterruptedException {
        Frame frame = FrameCodec.decode(buffer, offset);
        FrameCheck.Problem problem = FrameCheck.check(frame);
        WireVersion shorter = problem == null ? VersionSniffer.shorterVersionIn(buffer, offset, version) : null;
        if (shorter != null) {
            countMalformed("frame holds the start of another frame at byte " + shorter.frameBytes());
            return mismatch("the client sends " + shorter.label() + " (" + shorter.frameBytes() + "-byte) frames;"
                    + " start a daemon with --wire " + shorter.label() + " for it");
        }
        recentBad = (recentBad << 1 | (problem == null ? 0 : 1)) & ((1 << BAD_WINDOW) - 1);
        if (problem != null) {
            countMalformed(problem.description() + " (type " + frame.typeCode() + ", device " + frame.deviceId()
                    + ", buffer_type " + frame.bufferType() + ", size " + Long.toUnsignedString(frame.size()) + ")");
            if (Integer.bitCount(recentBad) >= MAX_BAD_FRAMES) {
                return mismatch("probable wire-version mismatch: the daemon expects " + version.label() + " ("
                        + version.frameBytes() + "-byte) frames; start it with --wire v1, v2 or v3 to match the client");
            }
            answerRejectedRequest(frame, version, out);
            return null;
        }
        MessageType type = frame.type();
        if (type.changesLiveSet()) {
            events.add(new Event(type, frame.deviceId(), frame.size(), frame.bufferType(),
                    processOf(frame.processId(), now), frame.bufferId(), frame.timestamp(), now));
            if (context.log().verbose()) {
                context.log().detail(type + " pid " + frame.processId() + " device " + frame.deviceId() + " buffer 0x"
                        + Long.toHexString(frame.bufferId()) + " size " + Long.toUnsignedString(frame.size()));
            }
            return null;
        }
        // everything read before a request is applied before it is answered
        flush(events);
        switch (type) {
            case QUERY -> {
                CompletableFuture<DeviceTotals> answer = new CompletableFuture<>();
                context.enqueue(new LedgerTask.Query(frame.deviceId(), answer));
                out.write(FrameCodec.encodeQueryResponse(version, frame.deviceId(), await(answer)));
                out.flush();
            }
            case DEVICE_INFO_QUERY -> {
                CompletableFuture<DeviceInfo> answer = new CompletableFuture<>();
                context.enqueue(new LedgerTask.DeviceInfoQuery(frame.deviceId(), answer));
                out.write(FrameCodec.encodeDeviceInfoResponse(version, frame.deviceId(), await(answer)));
                out.flush();
            }
            case DUMP_REMAINING -> {
                context.reapBeforeDump();
                CompletableFuture<Void> done = new CompletableFuture<>();
                context.enqueue(new LedgerTask.Dump(false, done));
                await(done);
            }
            case DUMP_KERNELS -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                context.enqueue(new LedgerTask.Dump(true, done));
                await(done);
            }
            default -> throw new IllegalStateException("unhandled " + type);
        }
        return null;
    }

    /**
     * A client that sent a QUERY or DEVICE_INFO_QUERY waits for the reply even when its device
     * id was out of range: answer with nothing held and nothing available, rather than hang it.
     */
    private static void answerRejectedRequest(Frame frame, WireVersion version, OutputStream out) throws IOException {
        if (frame.type() == MessageType.QUERY) {
            out.write(FrameCodec.encodeQueryResponse(version, frame.deviceId(), DeviceTotals.EMPTY));
            out.flush();
        } else if (frame.type() == MessageType.DEVICE_INFO_QUERY) {
            out.write(FrameCodec.encodeDeviceInfoResponse(version, frame.deviceId(), DeviceInfo.unavailable(0)));
            out.flush();
        }
    }

    private void flush(List<Event> events) throws InterruptedException {
        if (!events.isEmpty()) {
            context.enqueue(new ArrayList<>(events));
            events.clear();
        }
    }

    /** Called once the connection has been read to its end and its events handed over. */
    void released() {
        for (ProcessRecord process : kept) {
            process.openConnections.decrementAndGet();
        }
    }

    /**
     * For the ledger thread, once it has taken every frame of this connection (it runs a task
     * queued after them): the processes reported here no longer wait for this connection.
     */
    void drained() {
        for (ProcessRecord process : reportedFor) {
            process.undrainedConnections.decrementAndGet();
        }
    }

    /**
     * A reported pid and the process its frames are recorded under; {@code believed} false when
     * that is the peer instead. {@code settled}: its process was found ended and the pid looked
     * up again, naming no new process; its frames are dropped from then on.
     */
    private record Claim(ProcessRecord process, boolean believed, boolean settled) {
    }

    private ProcessRecord processOf(int reportedPid, long now) {
        Claim claim = lastClaim != null && reportedPid == lastPid ? lastClaim : claims.get(reportedPid);
        if (claim == null) {
            if (claims.size() >= MAX_CLAIMED_PIDS) {
                // no honest client reports for so many processes: no more /proc look-ups, no more memory
                claim = peerOwn(reportedPid, now, "beyond the " + MAX_CLAIMED_PIDS + " pids this connection may report for");
            } else {
                claim = claim(reportedPid, now);
                claims.put(reportedPid, claim);
            }
        } else if (claim.process().ended && !claim.settled() && claim != overflow) {
            claim = reclaim(reportedPid, claim, now);
            claims.put(reportedPid, claim);
        }
        lastPid = reportedPid;
        lastClaim = claim;
        if (!claim.believed()) {
            context.metrics().pidMismatches.incrementAndGet();
        }
        return claim.process();
    }

    private Claim claim(int reportedPid, long now) {
        return claimFor(reportedPid, context.resolver().resolve(reportedPid, peer), now);
    }

    private Claim claimFor(int reportedPid, PeerResolver.Resolution resolution, long now) {
        ProcessIdentity identity = resolution.identity();
        ProcessRecord record = identity.resolved() ? context.registry().intern(identity, now)
                : context.registry().internUnresolved(identity, resolution.peer(), number, now);
        // a process reporting on its own connection: once it dies, the kernel ends the stream
        // after its last frame, and its reap waits for that end (a connection reporting for
        // others has no end that says their frames are all in)
        if (identity.resolved() && identity.pid() == peerPid && reportedFor.add(record)) {
            record.undrainedConnections.incrementAndGet();
        }
        // a resolved process is judged by /proc alone; an unresolved one lives while a connection reports for it
        if (!identity.resolved() && !kept.contains(record)) {
            kept.add(record);
            record.openConnections.incrementAndGet();
        }
        if (resolution.mismatch() != null) {
            logMismatch(reportedPid, resolution.mismatch());
            return new Claim(record, false, false);
        }
        if (reportedPid != peerPid && peerPid > 0) {
            context.log().info("connection #" + number + " (pid " + peerPid + ") also reports for pid "
                    + reportedPid + (identity.resolved() ? " = pid " + identity.pid() + " here" : " (unresolved)"));
        }
        return new Claim(record, true, false);
    }

    /**
     * The process a pid was taken for has been reaped. Looked up once more: a new process under
     * that pid (another child given a reused pid) is a process of its own; anything else (the
     * dead one's frames, or a child writing in its name) stays with the ended process, whose
     * frames the ledger counts and drops. Once per claim: no /proc read per frame.
     */
    private Claim reclaim(int reportedPid, Claim ended, long now) {
        ProcessIdentity before = ended.process().identity;
        if (before.resolved()) {
            PeerResolver.Resolution resolution = context.resolver().resolve(reportedPid, peer);
            ProcessIdentity current = resolution.identity();
            if (resolution.mismatch() == null && current.resolved()
                    && (current.pid() != before.pid() || current.startTicks() != before.startTicks())) {
                return claimFor(reportedPid, resolution, now);
            }
        }
        return new Claim(ended.process(), ended.believed(), true);
    }

    /** The frames of {@code reportedPid} go to one process for all such pids: the peer, when it is a process of ours. */
    private Claim peerOwn(int reportedPid, long now, String why) {
        if (overflow == null) {
            overflow = new Claim(claim(peerPid > 0 ? peerPid : reportedPid, now).process(), false, true);
        }
        logMismatch(reportedPid, why);
        return overflow;
    }

    private void logMismatch(int reportedPid, String why) {
        if (!loggedMismatch) {
            loggedMismatch = true;
            context.log().info("connection #" + number + " (pid " + peerPid + ", uid " + peerUid + ") reports for pid "
                    + reportedPid + ", " + why + ": its records are pid " + peerPid + "'s own; later such frames on"
                    + " this connection are counted (pid_mismatches), not logged");
        }
    }

    private void countMalformed(String what) {
        malformed++;
        context.metrics().malformedFrames.incrementAndGet();
        if (!loggedMalformed) {
            loggedMalformed = true;
            context.log().info("malformed frame on connection #" + number + " from pid " + peerPid + " ("
                    + peerCommand + "): " + what + "; later ones on this connection are counted, not logged");
        }
    }

    private String mismatch(String why) {
        context.log().info("closing connection #" + number + " from pid " + peerPid + " (" + peerCommand + ") after "
                + malformed + " malformed frames: " + why);
        return "closed after malformed frames";
    }

    private static <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    long number() {
        return number;
    }

    int peerPid() {
        return peerPid;
    }

    String peerCommand() {
        return peerCommand;
    }

    long frames() {
        return frames;
    }

    long malformed() {
        return malformed;
    }

    long reads() {
        return reads;
    }

    /** Every process this connection reported for, each once. */
    List<ProcessRecord> processes() {
        java.util.stream.Stream<Claim> all = overflow == null ? claims.values().stream()
                : java.util.stream.Stream.concat(claims.values().stream(), java.util.stream.Stream.of(overflow));
        return all.map(Claim::process).distinct().toList();
    }

    /**
     * Stops the connection at the end of what the client has written so far: the reading
     * thread still gets every byte already in the socket buffer, then end of stream. Frames
     * a client had sent before a stop are committed, not dropped with the socket.
     */
    void finishReading() {
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            closeQuietly();
        }
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
