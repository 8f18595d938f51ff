package tracker.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A process's tags as a cell: a JSON object in JSON; in CSV and tables one text,
 * {@code key=value} pairs sorted by key and joined by {@code ;}, where a {@code \}, {@code ;}
 * or {@code =} inside a key or value is written with a {@code \} before it. Immutable.
 */
public record Tags(Map<String, String> map) {

    public static final Tags NONE = new Tags(Map.of());

    public Tags {
        map = Collections.unmodifiableMap(new TreeMap<>(map));
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        map.forEach((key, value) -> {
            if (!text.isEmpty()) {
                text.append(';');
            }
            escape(key, text);
            text.append('=');
            escape(value, text);
        });
        return text.toString();
    }

    private static void escape(String part, StringBuilder text) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '\\' || c == ';' || c == '=') {
                text.append('\\');
            }
            text.append(c);
        }
    }
}
