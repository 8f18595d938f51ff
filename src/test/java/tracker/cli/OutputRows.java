package tracker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows a command printed, as field name to value, to check each field by name: from a
 * table (cells are at least two spaces apart and hold no two spaces in a row), CSV without
 * quoted fields, or a JSON array of objects.
 */
final class OutputRows {

    private OutputRows() {
    }

    /** A table's rows up to its first empty line, keyed by the lower-cased headings. */
    static List<Map<String, String>> table(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank()) {
                break;
            }
            lines.add(line);
        }
        String[] headings = cells(lines.get(0));
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = cells(line);
            if (cells.length != headings.length) {
                throw new AssertionError(cells.length + " cells under " + headings.length + " headings: " + line);
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < cells.length; c++) {
                row.put(headings[c].toLowerCase(Locale.ROOT), cells[c]);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The headings of a table, lower-cased, in order. */
    static List<String> tableHeadings(String text) {
        return List.of(cells(text.lines().findFirst().orElseThrow().toLowerCase(Locale.ROOT)));
    }

    private static String[] cells(String line) {
        return line.strip().split(" {2,}");
    }

    static List<Map<String, String>> csv(String text) {
        List<String> lines = text.lines().toList();
        String[] header = lines.get(0).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new AssertionError(cells.length + " fields under a header of " + header.length + ": " + line);
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < cells.length; c++) {
                row.put(header[c], cells[c]);
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * The objects of a JSON array with their scalar fields: whole numbers as Long, text as
     * String, null as null; a nested array as its JSON text.
     */
    static List<Map<String, Object>> json(String text) {
        try (JsonParser parser = new JsonFactory().createParser(text)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new AssertionError("not a JSON array: " + text);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                Map<String, Object> row = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    row.put(name, switch (value) {
                        case VALUE_NUMBER_INT -> parser.getLongValue();
                        case VALUE_NULL -> null;
                        case START_ARRAY, START_OBJECT -> nested(text, parser);
                        default -> parser.getText();
                    });
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String nested(String text, JsonParser parser) throws IOException {
        int start = (int) parser.currentTokenLocation().getCharOffset();
        parser.skipChildren();
        int end = (int) parser.currentLocation().getCharOffset();
        return text.substring(start, end);
    }
}
