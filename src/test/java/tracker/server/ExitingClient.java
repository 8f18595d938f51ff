package tracker.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import tracker.testing.WireClient;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.WireVersion;

/**
 * A real Python client that reports for itself in two steps, each on a line from the test:
 * its allocations, then its frees, after which it exits at once, as a process does whose
 * last act is to free what it held. Every frame names the client's own pid. Not thread-safe.
 */
final class ExitingClient implements AutoCloseable {

    /** v3 frames are 144 bytes, with the pid at byte 20. */
    private static final String SCRIPT = String.join("\n",
            "import os, socket, struct, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.connect(sys.argv[1])",
            "me = os.getpid()",
            "def frames(path):",
            "    with open(path, 'rb') as f:",
            "        data = bytearray(f.read())",
            "    for off in range(0, len(data), 144):",
            "        struct.pack_into('<i', data, off + 20, me)",
            "    return bytes(data)",
            "print(me, flush=True)",
            "sys.stdin.readline()",
            "s.sendall(frames(sys.argv[2]))",
            "print('sent', flush=True)",
            "sys.stdin.readline()",
            "s.sendall(frames(sys.argv[3]))",
            "os._exit(0)");

    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;
    private final int pid;

    private ExitingClient(Process process) throws IOException {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = process.getOutputStream();
        this.pid = Integer.parseInt(out.readLine().trim());
    }

    /**
     * Connects; nothing is sent until {@link #sendFirst()}.
     *
     * @param directory where the frames are written for the client to read (too many for its arguments)
     */
    static ExitingClient connect(Path socket, Frame[] first, Frame[] last, Path directory) throws IOException {
        Path firstFile = write(directory.resolve("first.bin"), first);
        Path lastFile = write(directory.resolve("last.bin"), last);
        return new ExitingClient(new ProcessBuilder("python3", "-c", SCRIPT, socket.toString(), firstFile.toString(),
                lastFile.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    private static Path write(Path file, Frame[] frames) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (Frame frame : frames) {
            bytes.writeBytes(FrameCodec.encodeRequest(WireVersion.V3, frame));
        }
        return java.nio.file.Files.write(file, bytes.toByteArray());
    }

    int pid() {
        return pid;
    }

    /** Sends the first frames; returns once they are written. */
    void sendFirst() throws IOException {
        step();
        String line = out.readLine();
        if (!"sent".equals(line)) {
            throw new AssertionError("the client said " + line + ", not sent");
        }
    }

    /** Sends the last frames and exits; returns once it has exited. */
    void sendLastAndExit() throws IOException, InterruptedException {
        step();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the client did not exit: its frames did not fit in the socket");
        }
    }

    private void step() throws IOException {
        in.write('\n');
        in.flush();
    }

    static Frame[] allocs(int count, long firstBuffer) {
        Frame[] frames = new Frame[count];
        for (int i = 0; i < count; i++) {
            frames[i] = WireClient.alloc(0, firstBuffer + 0x1000L * i, 4096, 0);
        }
        return frames;
    }

    static Frame[] frees(int count, long firstBuffer) {
        Frame[] frames = new Frame[count];
        for (int i = 0; i < count; i++) {
            frames[i] = WireClient.free(0, firstBuffer + 0x1000L * i);
        }
        return frames;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
