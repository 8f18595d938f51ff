package tracker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tracker.server.TopFigures;

/**
 * {@link TopFigures} as JSON: what {@code tracker top --json} prints, and what the live view
 * reads back from the daemon on each refresh. Field names follow the README's ("live_bytes",
 * "peak_bytes"); a capacity nobody told the daemon is null. Stateless.
 */
final class TopJson {

    private TopJson() {
    }

    static void write(TopFigures figures, Writer out) throws IOException {
        JsonGenerator json = new JsonFactory().createGenerator(out);
        json.useDefaultPrettyPrinter();
        json.writeStartObject();
        json.writeStringField("captured_at", tracker.store.Times.instant(figures.capturedAtMicros()).toString());
        json.writeNumberField("uptime_seconds", figures.uptimeSeconds());
        json.writeNumberField("events", figures.events());
        json.writeNumberField("events_per_second", Math.round(figures.eventsPerSecond() * 10) / 10.0);
        json.writeNumberField("reaps_last_minute", figures.reapsLastMinute());
        json.writeArrayFieldStart("devices");
        for (TopFigures.Group group : figures.groups()) {
            json.writeStartObject();
            json.writeNumberField("device_id", group.deviceId());
            json.writeStringField("kind", group.kind());
            json.writeStringField("type", group.type());
            json.writeNumberField("live_bytes", group.liveBytes());
            json.writeNumberField("peak_bytes", group.peakBytes());
            json.writeFieldName("capacity_bytes");
            if (group.capacityBytes() == TopFigures.UNKNOWN) {
                json.writeNull();
            } else {
                json.writeNumber(group.capacityBytes());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("processes");
        for (TopFigures.Holder holder : figures.holders()) {
            json.writeStartObject();
            json.writeStringField("pid", holder.pid());
            json.writeNumberField("live_bytes", holder.liveBytes());
            json.writeNumberField("peak_bytes", holder.peakBytes());
            json.writeObjectFieldStart("live_by_device");
            for (Map.Entry<Integer, Long> device : new TreeMap<>(holder.liveByDevice()).entrySet()) {
                json.writeNumberField(Integer.toString(device.getKey()), device.getValue());
            }
            json.writeEndObject();
            json.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> tag : new TreeMap<>(holder.tags()).entrySet()) {
                json.writeStringField(tag.getKey(), tag.getValue());
            }
            json.writeEndObject();
            json.writeStringField("command", holder.command());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
        json.flush();
        out.write('\n');
        out.flush();
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IOException when the text is not such JSON (a daemon of another version, say)
     */
    static TopFigures read(String text) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(text)) {
            parser.nextToken();
            Map<String, Object> root = asMap(value(parser));
            List<TopFigures.Group> groups = new ArrayList<>();
            for (Object item : asList(root.get("devices"))) {
                Map<String, Object> group = asMap(item);
                Object capacity = group.get("capacity_bytes");
                groups.add(new TopFigures.Group(number(group, "device_id").intValue(), string(group, "kind"),
                        string(group, "type"), number(group, "live_bytes").longValue(),
                        number(group, "peak_bytes").longValue(),
                        capacity == null ? TopFigures.UNKNOWN : ((Number) capacity).longValue()));
            }
            List<TopFigures.Holder> holders = new ArrayList<>();
            for (Object item : asList(root.get("processes"))) {
                Map<String, Object> holder = asMap(item);
                Map<Integer, Long> byDevice = new TreeMap<>();
                asMap(holder.get("live_by_device")).forEach((device, bytes) ->
                        byDevice.put(Integer.parseInt(device), ((Number) bytes).longValue()));
                Map<String, String> tags = new TreeMap<>();
                asMap(holder.get("tags")).forEach((key, value) -> tags.put(key, String.valueOf(value)));
                holders.add(new TopFigures.Holder(string(holder, "pid"), string(holder, "command"), tags,
                        number(holder, "live_bytes").longValue(), number(holder, "peak_bytes").longValue(), byDevice));
            }
            return new TopFigures(tracker.store.Times.micros(java.time.Instant.parse(string(root, "captured_at"))),
                    number(root, "uptime_seconds").longValue(), number(root, "events").longValue(),
                    number(root, "events_per_second").doubleValue(), number(root, "reaps_last_minute").longValue(),
                    groups, holders);
        } catch (RuntimeException e) {
            throw new IOException("the daemon's figures are not what this tracker reads: " + e.getMessage(), e);
        }
    }

    /** The value at the parser's current token: a map, list, string, number, boolean or null. */
    private static Object value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("empty answer");
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    map.put(name, value(parser));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser));
                }
                return list;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return parser.getNumberValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return parser.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + token);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("expected an object");
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object value) {
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("expected a list");
        }
        return (List<Object>) value;
    }

    private static Number number(Map<String, Object> map, String name) {
        if (!(map.get(name) instanceof Number number)) {
            throw new IllegalArgumentException(name + " is not a number");
        }
        return number;
    }

    private static String string(Map<String, Object> map, String name) {
        if (!(map.get(name) instanceof String text)) {
            throw new IllegalArgumentException(name + " is not a text");
        }
        return text;
    }
}
