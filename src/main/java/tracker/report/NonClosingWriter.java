package tracker.report;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * A writer onto a command's output that flushes instead of closing it: the JSON and XML
 * writers close their target when they end, and the output must stay open for what the
 * command writes next (and for picocli, which owns it). Not thread-safe, like the output.
 */
public final class NonClosingWriter extends Writer {
    private final PrintWriter out;

    private NonClosingWriter(PrintWriter out) {
        this.out = out;
    }

    public static Writer around(PrintWriter out) {
        return new NonClosingWriter(out);
    }

    @Override
    public void write(char[] buffer, int offset, int length) {
        out.write(buffer, offset, length);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
