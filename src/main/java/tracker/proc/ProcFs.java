package tracker.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the few facts the tracker needs from {@code /proc}. Every method tolerates a process
 * that vanishes between two reads. Thread-safe (stateless but for the root).
 */
public final class ProcFs {

    private static final int MAX_COMMAND_CHARS = 4000;

    private final Path root;

    public ProcFs() {
        this(Path.of("/proc"));
    }

    public ProcFs(Path root) {
        this.root = root;
    }

    /** The state and start time of {@code pid}, or empty when no such process exists. */
    public Optional<ProcStat> stat(int pid) {
        String text = readSmall(root.resolve(Integer.toString(pid)).resolve("stat"));
        if (text == null) {
            return Optional.empty();
        }
        // the command name (field 2) may hold spaces and parentheses: fields resume after the last ')'
        int close = text.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] fields = text.substring(close + 2).trim().split(" ");
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19]
        if (fields.length < 20) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcStat(fields[0].charAt(0), Long.parseLong(fields[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * True when a thread of {@code pid} still runs. A process whose main thread exited shows
     * its leader as a zombie while its other threads go on: it is alive.
     */
    public boolean hasLiveThread(int pid) {
        Path tasks = root.resolve(Integer.toString(pid)).resolve("task");
        try (var threads = Files.list(tasks)) {
            return threads.anyMatch(task -> {
                String text = readSmall(task.resolve("stat"));
                int close = text == null ? -1 : text.lastIndexOf(')');
                if (close < 0 || close + 2 >= text.length()) {
                    return false;
                }
                char state = text.charAt(close + 2);
                return state != 'Z' && state != 'X';
            });
        } catch (IOException e) {
            return false;
        }
    }

    /** The command line with arguments separated by spaces; the comm name if it has none. */
    public String command(int pid) {
        try {
            return readCommand(pid);
        } catch (ProcUnreadableException e) {
            return "[pid " + pid + ": command unreadable]";
        }
    }

    private String readCommand(int pid) {
        Path dir = root.resolve(Integer.toString(pid));
        String cmdline = readSmall(dir.resolve("cmdline"));
        if (cmdline != null && !cmdline.isEmpty()) {
            String joined = cmdline.replace('\0', ' ').trim();
            return joined.length() > MAX_COMMAND_CHARS ? joined.substring(0, MAX_COMMAND_CHARS) : joined;
        }
        String comm = readSmall(dir.resolve("comm"));
        return comm == null ? "" : "[" + comm.trim() + "]";
    }

    /** The most of an environment read: the tags are within it, or past a size no honest one has. */
    public static final int MAX_ENVIRON_BYTES = 1 << 20;

    /**
     * The environment the process was started with, NUL-separated {@code NAME=value} (its first
     * {@link #MAX_ENVIRON_BYTES}); null when the process is gone.
     *
     * @throws ProcUnreadableException when it exists but cannot be read: another user's process,
     *         for a tracker that is not root
     */
    public byte[] environ(int pid) {
        return readOrGone(root.resolve(Integer.toString(pid)).resolve("environ"), file -> {
            try (var in = Files.newInputStream(file)) {
                return in.readNBytes(MAX_ENVIRON_BYTES);
            }
        });
    }

    /** The real uid, or -1 when the process is gone. */
    public int uid(int pid) {
        List<Integer> ids = statusNumbers(pid, "Uid:");
        return ids.isEmpty() ? -1 : ids.get(0);
    }

    /**
     * The NSpid line of the status file: the pid in each PID namespace from the tracker's
     * down to the process's own (the last entry). Empty when the process is gone.
     */
    public List<Integer> namespacePids(int pid) {
        return statusNumbers(pid, "NSpid:");
    }

    /** The PID namespace of {@code pid} ("pid:[inode]"), or null when unreadable. */
    public String pidNamespace(int pid) {
        try {
            return Files.readSymbolicLink(root.resolve(Integer.toString(pid)).resolve("ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** The pid of this JVM as {@code /proc} knows it. */
    public static int selfPid() {
        return (int) ProcessHandle.current().pid();
    }

    /** The pids of every process visible now. */
    public int[] allPids() {
        try (var entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
                    .mapToInt(Integer::parseInt)
                    .toArray();
        } catch (IOException e) {
            return new int[0];
        }
    }

    /** The id of the running kernel boot: processes of an earlier boot are all dead. */
    public String bootId() {
        String id = readSmall(root.resolve("sys/kernel/random/boot_id"));
        return id == null ? "unknown" : id.trim();
    }

    private List<Integer> statusNumbers(int pid, String prefix) {
        String status = readSmall(root.resolve(Integer.toString(pid)).resolve("status"));
        if (status == null) {
            return List.of();
        }
        for (String line : status.split("\n")) {
            if (line.startsWith(prefix)) {
                String[] parts = line.substring(prefix.length()).trim().split("\\s+");
                return java.util.Arrays.stream(parts).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
            }
        }
        return List.of();
    }

    /**
     * The file's text, or null when the process is gone (no such file, or ESRCH while
     * reading a process that just exited).
     *
     * @throws ProcUnreadableException for any other failure (out of file descriptors,
     *         permissions): that says nothing about the process, and must not pass for "gone"
     */
    private static String readSmall(Path file) {
        byte[] bytes = readOrGone(file, Files::readAllBytes);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private interface FileReader {
        byte[] read(Path file) throws IOException;
    }

    /** The file's bytes; null when the process is gone (no file, or ESRCH while reading it). */
    private static byte[] readOrGone(Path file, FileReader reader) {
        try {
            return reader.read(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("No such process")) {
                return null;
            }
            throw new ProcUnreadableException(file, e);
        }
    }
}
