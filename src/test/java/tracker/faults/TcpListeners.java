package tracker.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, from {@code /proc}: the LISTEN entries (state 0A) of
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6} whose inode is one of the process's file
 * descriptors ({@code /proc/PID/fd/N -> socket:[inode]}).
 */
final class TcpListeners {

    private TcpListeners() {
    }

    /** "tcp 0.0.0.0:port inode N" per listening socket of {@code pid}; empty when none. */
    static Set<String> of(long pid) throws IOException {
        Set<String> owned = socketInodes(pid);
        Set<String> listening = new TreeSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && owned.contains(f[9])) {
                    listening.add(table + " " + f[1] + " inode " + f[9]);
                }
            }
        }
        return listening;
    }

    /** Every socket inode among the open file descriptors of {@code pid}. */
    static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return inodes;
    }
}
