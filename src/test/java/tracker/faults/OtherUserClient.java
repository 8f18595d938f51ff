package tracker.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import tracker.proc.ProcFs;

/**
 * A protocol client run as another user (uid/gid 65534, no supplementary groups) through
 * {@code setpriv}: a small C program, compiled once per test JVM, connects to the socket,
 * writes the given frames (with its own pid patched into each frame's process_id when
 * asked), then a QUERY, and reads the RESPONSE, so that everything it sent has been applied
 * when it reports. It prints {@code ERR EACCES} (or another errno) when it cannot connect,
 * else {@code CONNECTED <pid> <uid>} and {@code REPLY <dram bytes of the queried device>}.
 */
final class OtherUserClient {

    static final int NOBODY = 65534;

    private static final String SOURCE = String.join("\n",
            "#include <errno.h>",
            "#include <stdint.h>",
            "#include <stdio.h>",
            "#include <stdlib.h>",
            "#include <string.h>",
            "#include <sys/socket.h>",
            "#include <sys/time.h>",
            "#include <sys/un.h>",
            "#include <unistd.h>",
            "static int hex(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }",
            "static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char) (v >> (8 * i)); }",
            "static uint64_t get64(const unsigned char *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }",
            "int main(int argc, char **argv) {",
            "    if (argc != 5) { fprintf(stderr, \"usage: SOCKET HEXFRAMES self|as-is QUERY_DEVICE\\n\"); return 2; }",
            "    size_t n = strlen(argv[2]) / 2;",
            "    unsigned char *data = calloc(n + 144, 1);",
            "    for (size_t i = 0; i < n; i++) data[i] = (unsigned char) (hex(argv[2][2 * i]) << 4 | hex(argv[2][2 * i + 1]));",
            "    if (strcmp(argv[3], \"self\") == 0)",
            "        for (size_t at = 0; at + 144 <= n; at += 144) put32(data + at + 20, (uint32_t) getpid());",
            "    unsigned char *query = data + n;",
            "    query[0] = 3;",
            "    put32(query + 4, (uint32_t) atoi(argv[4]));",
            "    put32(query + 20, (uint32_t) getpid());",
            "    int fd = socket(AF_UNIX, SOCK_STREAM, 0);",
            "    struct sockaddr_un address;",
            "    memset(&address, 0, sizeof address);",
            "    address.sun_family = AF_UNIX;",
            "    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);",
            "    if (connect(fd, (struct sockaddr *) &address, sizeof address) < 0) {",
            "        if (errno == EACCES) printf(\"ERR EACCES\\n\"); else printf(\"ERR errno %d: %s\\n\", errno, strerror(errno));",
            "        return 0;",
            "    }",
            "    printf(\"CONNECTED %d %d\\n\", (int) getpid(), (int) getuid());",
            "    fflush(stdout);",
            "    size_t total = n + 144, sent = 0;",
            "    while (sent < total) {",
            "        ssize_t w = send(fd, data + sent, total - sent, MSG_NOSIGNAL);",
            "        if (w < 0 && errno == EINTR) continue;",
            "        if (w < 0) { printf(\"SEND %s\\n\", strerror(errno)); return 0; }",
            "        sent += (size_t) w;",
            "    }",
            "    struct timeval timeout = {30, 0};",
            "    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);",
            "    unsigned char reply[144];",
            "    size_t got = 0;",
            "    while (got < sizeof reply) {",
            "        ssize_t r = recv(fd, reply + got, sizeof reply - got, 0);",
            "        if (r <= 0) break;",
            "        got += (size_t) r;",
            "    }",
            "    if (got == sizeof reply) printf(\"REPLY %llu\\n\", (unsigned long long) get64(reply + 40));",
            "    else printf(\"CLOSED %zu\\n\", got);",
            "    close(fd);",
            "    return 0;",
            "}",
            "");

    private static Path binary;

    private OtherUserClient() {
    }

    /** Skips the calling test, saying why, unless this runs as root with setpriv and a C compiler. */
    static void assumePossible() {
        boolean root = new ProcFs().uid(ProcFs.selfPid()) == 0;
        if (!root) {
            System.out.println("SKIPPED: running a client as uid " + NOBODY + " needs root");
        }
        Assumptions.assumeTrue(root, "running a client as uid " + NOBODY + " needs root");
        boolean tools = onPath("setpriv") && onPath("cc");
        if (!tools) {
            System.out.println("SKIPPED: needs setpriv and cc");
        }
        Assumptions.assumeTrue(tools, "needs setpriv and cc");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The compiled client, in a private directory of mode 755 so that uid 65534 may run it. */
    private static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path output = OtherUserBinary.compile("client", SOURCE);
        binary = output;
        return binary;
    }

    /**
     * Runs the client as uid 65534 and returns its output lines.
     *
     * @param frames       whole 144-byte frames to send before the QUERY
     * @param patchOwnPid  write the client's own pid into each frame's process_id
     * @param queryDevice  the device of the final QUERY
     */
    static List<String> run(Path socket, byte[] frames, boolean patchOwnPid, int queryDevice)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                binary().toString(), socket.toString(), HexFormat.of().formatHex(frames),
                patchOwnPid ? "self" : "as-is", Integer.toString(queryDevice))
                .redirectErrorStream(true)
                .directory(new File("/"))
                .start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the client of uid " + NOBODY + " did not finish");
        }
        return new String(output, StandardCharsets.UTF_8).lines().toList();
    }
}
