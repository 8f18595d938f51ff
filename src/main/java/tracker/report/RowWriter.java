package tracker.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes rows as they come, in JSON or CSV, without holding them: a dump of a hundred
 * thousand records starts printing at once and never sits whole in memory. Tables need
 * every row to size their columns, so they go through {@link Report}. Not thread-safe.
 */
public final class RowWriter implements AutoCloseable {

    private final List<String> columns;
    private final Format format;
    private final PrintWriter out;
    private final JsonGenerator json;
    private boolean first = true;

    public RowWriter(List<String> columns, Format format, PrintWriter out) {
        if (format == Format.TABLE) {
            throw new IllegalArgumentException("tables are rendered from a whole Report");
        }
        this.columns = List.copyOf(columns);
        this.format = format;
        this.out = out;
        try {
            this.json = format == Format.JSON ? new JsonFactory().createGenerator(out) : null;
            if (json != null) {
                json.writeStartArray();
            } else {
                out.println(String.join(",", columns));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(Object... row) {
        try {
            if (json != null) {
                json.writeRaw(first ? "\n" : "\n");
                Renderer.writeObject(json, columns, row);
            } else {
                out.println(Renderer.csvLine(row));
            }
            first = false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (json != null) {
                json.writeRaw('\n');
                json.writeEndArray();
                json.flush();
                out.println();
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Format format() {
        return format;
    }
}
