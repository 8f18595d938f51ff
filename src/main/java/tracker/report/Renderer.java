package tracker.report;

import tracker.log.PrintableText;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** Writes {@link Report}s as a table, JSON or CSV. Stateless, thread-safe. */
public final class Renderer {

    private static final JsonFactory JSON = new JsonFactory();

    private Renderer() {
    }

    public static void render(Report report, Format format, PrintWriter out) {
        render(report, format, out, LineWidth.UNLIMITED);
    }

    /** As {@link #render(Report, Format, PrintWriter)}; a table's lines are cut to {@code width}. */
    public static void render(Report report, Format format, PrintWriter out, LineWidth width) {
        switch (format) {
            case TABLE -> table(report, out, width);
            case JSON -> json(report, out);
            case CSV -> csv(report, out);
        }
        out.flush();
    }

    /** Aligned columns; numbers and sizes right-aligned. */
    public static void table(Report report, PrintWriter out) {
        table(report, out, LineWidth.UNLIMITED);
    }

    /**
     * Aligned columns, each line cut to {@code width} by shortening its last cell (see
     * {@link LineWidth#fit}): the column a report puts last is the one that may be cut.
     */
    public static void table(Report report, PrintWriter out, LineWidth width) {
        List<String> columns = report.columns();
        int[] widths = new int[columns.size()];
        boolean[] right = new boolean[columns.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = columns.get(c).length();
        }
        String[][] text = new String[report.rows().size()][];
        for (int r = 0; r < text.length; r++) {
            Object[] row = report.rows().get(r);
            text[r] = new String[row.length];
            for (int c = 0; c < row.length; c++) {
                text[r][c] = tableText(row[c]);
                widths[c] = Math.max(widths[c], text[r][c].length());
                right[c] |= row[c] instanceof Number || row[c] instanceof Bytes;
            }
        }
        StringBuilder line = new StringBuilder();
        String[] headings = columns.stream().map(String::toUpperCase).toArray(String[]::new);
        int lastStart = appendRow(line, headings, widths, right);
        out.println(width.fit(line.toString(), lastStart));
        for (String[] row : text) {
            line.setLength(0);
            lastStart = appendRow(line, row, widths, right);
            out.println(width.fit(line.toString(), lastStart));
        }
    }

    /** Appends one line's cells; returns where its last cell starts. */
    private static int appendRow(StringBuilder line, String[] cells, int[] widths, boolean[] right) {
        int lastStart = 0;
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            lastStart = line.length();
            boolean last = c == cells.length - 1;
            int pad = widths[c] - cells[c].length();
            if (right[c]) {
                line.append(" ".repeat(pad)).append(cells[c]);
            } else {
                line.append(cells[c]);
                if (!last) {
                    line.append(" ".repeat(pad));
                }
            }
        }
        return lastStart;
    }

    /** A cell as a table shows it: control characters escaped, since command lines and tags are anyone's text. */
    public static String tableText(Object cell) {
        if (cell == null) {
            return "-";
        }
        return PrintableText.of(cell.toString());
    }

    public static void json(Report report, PrintWriter out) {
        try {
            JsonGenerator json = JSON.createGenerator(NonClosingWriter.around(out));
            json.writeStartArray();
            for (Object[] row : report.rows()) {
                json.writeRaw('\n');
                writeObject(json, report.columns(), row);
            }
            json.writeRaw('\n');
            json.writeEndArray();
            json.flush();
            out.println();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeObject(JsonGenerator json, List<String> columns, Object[] row) throws IOException {
        json.writeStartObject();
        for (int c = 0; c < columns.size(); c++) {
            json.writeFieldName(columns.get(c));
            writeValue(json, row[c]);
        }
        json.writeEndObject();
    }

    public static void writeValue(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Bytes bytes) {
            json.writeNumber(bytes.value());
        } else if (value instanceof Long number) {
            json.writeNumber(number);
        } else if (value instanceof Integer number) {
            json.writeNumber(number);
        } else if (value instanceof Double number) {
            json.writeNumber(number);
        } else if (value instanceof Number number) {
            json.writeNumber(number.toString());
        } else if (value instanceof Boolean bool) {
            json.writeBoolean(bool);
        } else if (value instanceof Tags tags) {
            json.writeStartObject();
            for (java.util.Map.Entry<String, String> tag : tags.map().entrySet()) {
                json.writeStringField(tag.getKey(), tag.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof Report nested) {
            json.writeStartArray();
            for (Object[] row : nested.rows()) {
                writeObject(json, nested.columns(), row);
            }
            json.writeEndArray();
        } else {
            json.writeString(value.toString());
        }
    }

    public static void csv(Report report, PrintWriter out) {
        out.println(String.join(",", report.columns().stream().map(Renderer::csvField).toList()));
        for (Object[] row : report.rows()) {
            out.println(csvLine(row));
        }
    }

    static String csvLine(Object[] row) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < row.length; c++) {
            if (c > 0) {
                line.append(',');
            }
            line.append(csvField(csvText(row[c])));
        }
        return line.toString();
    }

    private static String csvText(Object cell) {
        if (cell == null) {
            return "";
        }
        if (cell instanceof Bytes bytes) {
            return Long.toString(bytes.value());
        }
        if (cell instanceof Instant instant) {
            return instant.toString();
        }
        return cell.toString();
    }

    private static String csvField(String text) {
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
