package tracker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * {@code tracker report --html FILE} through the daemon: the daemon writes the page to the
 * command socket ({@code --html -}) and this process, the user's, writes FILE; the daemon
 * never opens a path a client named. FILE is replaced only by a whole page (exit 0).
 */
final class ReportFile {

    private ReportFile() {
    }

    /** As {@link DaemonClient#run}; empty when no daemon listens. */
    static OptionalInt throughDaemon(Path controlSocket, String[] args, Duration timeout) throws IOException {
        String[] forwarded = split(args);
        int at = htmlValue(forwarded);
        if (at < 0 || forwarded[at].equals("-")) {
            return DaemonClient.run(controlSocket, forwarded, System.out, System.err, timeout);
        }
        Path target = Path.of(forwarded[at]).toAbsolutePath();
        forwarded[at] = "-";
        Path partial = Files.createTempFile(target.getParent(), ".report", ".html.partial");
        try {
            OptionalInt code;
            try (OutputStream out = Files.newOutputStream(partial)) {
                code = DaemonClient.run(controlSocket, forwarded, out, System.err, timeout);
            }
            if (code.isPresent() && code.getAsInt() == ExitCode.OK) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return code;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** {@code args} with {@code --html=FILE} written as {@code --html FILE}. */
    private static String[] split(String[] args) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--html=")) {
                out.add("--html");
                out.add(arg.substring("--html=".length()));
            } else {
                out.add(arg);
            }
        }
        return out.toArray(new String[0]);
    }

    /** The index of the value of {@code --html}, or -1. */
    private static int htmlValue(String[] args) {
        for (int i = 1; i + 1 < args.length; i++) {
            if (args[i].equals("--html")) {
                return i + 1;
            }
        }
        return -1;
    }
}
