package tracker.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * The standard output of a command run in this JVM. picocli's own writer flushes at every
 * line, one system call each: 100,000 history lines cost more in writes than in queries.
 * This one flushes when its buffer is full and when the command ends.
 */
final class StandardOutput {

    private static final int BUFFER_CHARS = 64 * 1024;

    private StandardOutput() {
    }

    /** A writer the caller flushes when the command ends; encodes as picocli would. */
    static PrintWriter writer() {
        return new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), charset()), BUFFER_CHARS), false);
    }

    /** picocli's choice: the terminal's encoding when the JVM knows it, else the default. */
    static Charset charset() {
        String terminal = System.getProperty("sun.stdout.encoding");
        if (terminal != null) {
            try {
                return Charset.forName(terminal);
            } catch (IllegalArgumentException e) {
                // an encoding this JVM lacks: fall back as picocli does
            }
        }
        return Charset.defaultCharset();
    }
}
