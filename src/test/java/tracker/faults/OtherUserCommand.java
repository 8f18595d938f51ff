package tracker.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-socket client run as another user (uid 65534, gid 65534 = nogroup, no other
 * groups) through {@code setpriv}: a small C program, compiled once per test JVM, sends its
 * arguments as one request and copies the reply's streams to its stdout and stderr, then
 * prints {@code EXIT <code>}; or {@code ERR EACCES} (or another errno) when it cannot connect.
 * Call {@link OtherUserClient#assumePossible()} first.
 */
final class OtherUserCommand {

    /** The group uid 65534 runs with: a --socket-group of this name lets it in. */
    static final String GROUP = "nogroup";

    record Result(String status, String out, String err) {
    }

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
            "static int all(int fd, unsigned char *p, size_t n, int out) {",
            "    while (n > 0) {",
            "        ssize_t r = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);",
            "        if (r < 0 && errno == EINTR) continue;",
            "        if (r <= 0) return -1;",
            "        p += r; n -= (size_t) r;",
            "    }",
            "    return 0;",
            "}",
            "static void be32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }",
            "static uint32_t get32(const unsigned char *p) { return (uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }",
            "int main(int argc, char **argv) {",
            "    int fd = socket(AF_UNIX, SOCK_STREAM, 0);",
            "    struct sockaddr_un address;",
            "    memset(&address, 0, sizeof address);",
            "    address.sun_family = AF_UNIX;",
            "    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);",
            "    if (connect(fd, (struct sockaddr *) &address, sizeof address) < 0) {",
            "        if (errno == EACCES) printf(\"ERR EACCES\\n\"); else printf(\"ERR errno %d\\n\", errno);",
            "        return 0;",
            "    }",
            "    struct timeval timeout = {30, 0};",
            "    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);",
            "    unsigned char header[5];",
            "    be32(header, (uint32_t) (argc - 2));",
            "    if (all(fd, header, 4, 1)) { printf(\"SEND FAILED\\n\"); return 0; }",
            "    for (int i = 2; i < argc; i++) {",
            "        size_t n = strlen(argv[i]);",
            "        be32(header, (uint32_t) n);",
            "        if (all(fd, header, 4, 1) || all(fd, (unsigned char *) argv[i], n, 1)) { printf(\"SEND FAILED\\n\"); return 0; }",
            "    }",
            "    for (;;) {",
            "        if (all(fd, header, 5, 0)) { printf(\"CLOSED\\n\"); return 0; }",
            "        uint32_t n = get32(header + 1);",
            "        if (header[0] == 0) { fflush(stderr); printf(\"EXIT %u\\n\", n); return 0; }",
            "        unsigned char *data = malloc(n + 1);",
            "        if (all(fd, data, n, 0)) { printf(\"CLOSED\\n\"); return 0; }",
            "        fwrite(data, 1, n, header[0] == 2 ? stderr : stdout);",
            "        free(data);",
            "    }",
            "}",
            "");

    private static Path binary;

    private OtherUserCommand() {
    }

    private static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path output = OtherUserBinary.compile("command", SOURCE);
        binary = output;
        return binary;
    }

    /** Runs {@code args} on {@code socket} as uid 65534; status is the last stdout line (EXIT n, ERR ...). */
    static Result run(Path socket, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + OtherUserClient.NOBODY,
                "--regid=" + OtherUserClient.NOBODY, "--clear-groups", binary().toString(), socket.toString()));
        command.addAll(List.of(args));
        Path errFile = Files.createTempFile("otherusercommand", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(new File("/"))
                    .redirectError(errFile.toFile()).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the command client of uid " + OtherUserClient.NOBODY + " did not finish");
            }
            List<String> lines = out.lines().toList();
            String status = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            String body = lines.isEmpty() ? "" : String.join("\n", lines.subList(0, lines.size() - 1));
            return new Result(status, body, Files.readString(errFile));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
