package tracker.reaper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import tracker.testing.WireClient;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * A real Python client whose connection outlives it: it connects (so the daemon's peer is
 * this process), and on each line the test writes to its stdin takes the next step: send its
 * first frames and fork a child that inherits the socket, then exit; the child then sends
 * more frames that name the exited parent's pid, and at last closes the socket. Every frame
 * names the parent, as a process reporting for itself does. Not thread-safe.
 */
final class ForkingClient implements AutoCloseable {

    /**
     * Steps are told through one FIFO and acknowledged through another: the JVM closes a
     * child's stdin and stdout once the process it started has exited, and the socket's new
     * owner must go on hearing. A frame is written with the parent's pid at byte 20 (v3).
     */
    private static final String SCRIPT = String.join("\n",
            "import os, socket, struct, sys",
            "control, ack = sys.argv[4] + '/control', sys.argv[4] + '/ack'",
            "os.mkfifo(control)",
            "os.mkfifo(ack)",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.connect(sys.argv[1])",
            "parent = os.getpid()",
            "def frames(text):",
            "    data = bytearray(bytes.fromhex(text))",
            "    for off in range(0, len(data), 144):",
            "        struct.pack_into('<i', data, off + 20, parent)",
            "    return bytes(data)",
            "def step():",
            "    with open(control) as f:",
            "        if not f.readline():",
            "            os._exit(0)",
            "def tell(what):",
            "    with open(ack, 'w') as f:",
            "        f.write(what + '\\n')",
            "print(parent, flush=True)",
            "step()",
            "s.sendall(frames(sys.argv[2]))",
            "child = os.fork()",
            "if child == 0:",
            "    step()",
            "    try:",
            "        s.sendall(frames(sys.argv[3]))",
            "    except OSError as e:",
            "        tell('send failed: ' + str(e))",
            "        os._exit(1)",
            "    tell('sent')",
            "    step()",
            "    s.close()",
            "    tell('closed')",
            "    os._exit(0)",
            "print(child, flush=True)",
            "os._exit(0)");

    private final Process parent;
    private final BufferedReader out;
    private final Path fifos;
    private final int parentPid;
    private ProcessHandle child;

    private ForkingClient(Process parent, Path fifos) throws IOException {
        this.parent = parent;
        this.fifos = fifos;
        this.out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
        this.parentPid = Integer.parseInt(out.readLine().trim());
    }

    /**
     * Connects; nothing is sent until {@link #sendAndLeave()}.
     *
     * @param fifos an empty directory for the two FIFOs
     */
    static ForkingClient connect(Path socket, String firstFrames, String childFrames, Path fifos) throws IOException {
        java.nio.file.Files.createDirectories(fifos);
        return new ForkingClient(new ProcessBuilder("python3", "-c", SCRIPT, socket.toString(), firstFrames, childFrames,
                fifos.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start(), fifos);
    }

    /** v3 ALLOCs of 4096 DRAM bytes on device 0, buffers {@code firstBuffer} on, as hex for the script. */
    static String allocs(int count, long firstBuffer) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < count; i++) {
            hex.append(HexFormat.of().formatHex(FrameCodec.encodeRequest(WireVersion.V3,
                    WireClient.frame(MessageType.ALLOC, 0, 4096, 0, 0, firstBuffer + 0x1000L * i))));
        }
        return hex.toString();
    }

    int parentPid() {
        return parentPid;
    }

    /** The parent sends its frames, forks the child that keeps the socket, exits and is waited for. */
    void sendAndLeave() throws IOException, InterruptedException {
        step();
        child = ProcessHandle.of(Long.parseLong(out.readLine().trim())).orElseThrow();
        if (!parent.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the parent did not exit");
        }
    }

    /** The child sends its frames, naming the exited parent; returns once they are written. */
    void childSends() throws IOException {
        step();
        expect("sent");
    }

    /** The child closes the socket and exits. */
    void childCloses() throws IOException {
        step();
        expect("closed");
    }

    /** Opening a FIFO waits for the other end: the client is at its next step. */
    private void step() throws IOException {
        java.nio.file.Files.writeString(fifos.resolve("control"), "\n");
    }

    private void expect(String line) throws IOException {
        String read = java.nio.file.Files.readString(fifos.resolve("ack")).trim();
        if (!line.equals(read)) {
            throw new AssertionError("the client said " + read + ", not " + line);
        }
    }

    @Override
    public void close() {
        parent.destroyForcibly();
        if (child != null) {
            child.destroyForcibly();
        }
    }
}
