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

    private final long number;
    private final AFUNIXSocket socket;
    private final ServerContext context;
    private final int peerPid;
    private final int peerUid;
    private final String peerCommand;
    private final Map<Integer, ProcessRecord> processes = new HashMap<>();
    /**
     * The process of the previous frame: a connection nearly always reports for one pid, so
     * this spares a boxed map lookup per frame.
     */
    private int lastPid;
    private ProcessRecord lastProcess;

    /** the process that made this connection, once it has sent a frame */
    private ProcessRecord ownProcess;
    private long frames;
    /** reads that returned data: frames per read tells how well reads batch under load */
    private long reads;
    private long malformed;
    /** one bit per recent frame, 1 = bad; the lowest bit is the latest */
    private int recentBad;
    private boolean loggedMalformed;
    private String endReason = "open";

    ClientConnection(long number, AFUNIXSocket socket, ServerContext context, int peerPid, int peerUid,
                     String peerCommand) {
        this.number = number;
        this.socket = socket;
        this.context = context;
        this.peerPid = peerPid;
        this.peerUid = peerUid;
        this.peerCommand = peerCommand;
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
        if (ownProcess != null) {
            ownProcess.ownConnections.decrementAndGet();
        }
    }

    private ProcessRecord processOf(int reportedPid, long now) {
        if (lastProcess != null && reportedPid == lastPid) {
            return lastProcess;
        }
        ProcessRecord record = processes.get(reportedPid);
        if (record == null) {
            ProcessIdentity identity = context.resolver().resolve(reportedPid, peerPid, peerUid);
            record = context.registry().intern(identity, now);
            processes.put(reportedPid, record);
            if (identity.resolved() && identity.pid() == peerPid && ownProcess == null) {
                ownProcess = record;
                record.ownConnections.incrementAndGet();
            }
            if (reportedPid != peerPid && peerPid > 0) {
                context.log().info("connection #" + number + " (pid " + peerPid + ") also reports for pid "
                        + reportedPid + (identity.resolved() ? " = pid " + identity.pid() + " here" : " (unresolved)"));
            }
        }
        lastPid = reportedPid;
        lastProcess = record;
        return record;
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

    List<ProcessRecord> processes() {
        return List.copyOf(processes.values());
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
