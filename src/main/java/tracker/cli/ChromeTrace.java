package tracker.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.BitSet;

/**
 * Writes a timeline in the Trace Event Format (JSON object form) that chrome://tracing and
 * Perfetto UI open: one pseudo-process per device whose counter tracks ({@code "ph": "C"}) are
 * its live bytes per memory kind, one process per tracked client with its lifetime as a
 * complete event ({@code "ph": "X"}), and its reap as an instant event ({@code "ph": "i"}).
 * Times are microseconds since the epoch, as the format counts them. Events go out as they
 * come, one a line; nothing is held but which devices were named. Not thread-safe.
 */
final class ChromeTrace implements AutoCloseable {

    /**
     * Device {@code d}'s pseudo-process is {@code DEVICE_PID_BASE + d}: above any Linux pid
     * (pid_max is at most 2^22) and any {@link #UNRESOLVED_PID_BASE} id, within 32 bits.
     */
    static final int DEVICE_PID_BASE = 2_000_000_000;
    /** A process whose host pid is unknown (another PID namespace) is {@code UNRESOLVED_PID_BASE + its id}. */
    static final long UNRESOLVED_PID_BASE = 1_000_000_000L;

    private final JsonGenerator json;
    private final BitSet devicesNamed = new BitSet();

    ChromeTrace(Writer out, String generator) {
        try {
            json = new JsonFactory().createGenerator(out);
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.setPrettyPrinter(new OneEventPerLine());
            json.writeStartObject();
            json.writeStringField("displayTimeUnit", "ms");
            json.writeObjectFieldStart("otherData");
            json.writeStringField("generator", generator);
            json.writeEndObject();
            json.writeArrayFieldStart("traceEvents");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The trace's pid for a tracked process: its host pid, or one made of its id when that is unknown. */
    static long tracePid(Integer hostPid, long processId) {
        return hostPid != null ? hostPid : UNRESOLVED_PID_BASE + processId;
    }

    /** A tracked process: its name, and its lifetime from first to last sight (or its end). */
    void process(long tracePid, String name, long firstMicros, long endMicros, Object[] args) {
        try {
            metadata("process_name", tracePid, name);
            metadata("thread_name", tracePid, "lifetime");
            json.writeStartObject();
            json.writeStringField("name", name);
            json.writeStringField("cat", "process");
            json.writeStringField("ph", "X");
            json.writeNumberField("ts", firstMicros);
            json.writeNumberField("dur", Math.max(0, endMicros - firstMicros));
            json.writeNumberField("pid", tracePid);
            json.writeNumberField("tid", tracePid);
            writeArgs(args);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A device's live bytes of one group from {@code micros} on. */
    void counter(long micros, MemoryGroup group, long bytes) {
        try {
            long pid = DEVICE_PID_BASE + group.deviceId();
            if (!devicesNamed.get(group.deviceId())) {
                devicesNamed.set(group.deviceId());
                metadata("process_name", pid, "device " + group.deviceId() + " live bytes");
                json.writeStartObject();
                json.writeStringField("name", "process_sort_index");
                json.writeStringField("ph", "M");
                json.writeNumberField("pid", pid);
                json.writeObjectFieldStart("args");
                json.writeNumberField("sort_index", -1024 + group.deviceId()); // devices above the processes
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeStartObject();
            json.writeStringField("name", group.label());
            json.writeStringField("cat", "memory");
            json.writeStringField("ph", "C");
            json.writeNumberField("ts", micros);
            json.writeNumberField("pid", pid);
            json.writeObjectFieldStart("args");
            json.writeNumberField("bytes", bytes);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reap, on the reaped process's track. */
    void reap(LiveBytesTimeline.ReapMark reap) {
        try {
            json.writeStartObject();
            json.writeStringField("name", "reaped (" + reap.reason() + ")");
            json.writeStringField("cat", "reap");
            json.writeStringField("ph", "i");
            json.writeStringField("s", "p");
            json.writeNumberField("ts", reap.micros());
            long pid = tracePid(reap.pid(), reap.processId());
            json.writeNumberField("pid", pid);
            json.writeNumberField("tid", pid);
            writeArgs(new Object[] {"pid", reap.pid(), "reason", reap.reason(), "bytes", reap.bytes(),
                    "command", reap.command()});
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void metadata(String name, long pid, String value) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", name);
        json.writeStringField("ph", "M");
        json.writeNumberField("pid", pid);
        json.writeNumberField("tid", pid);
        json.writeObjectFieldStart("args");
        json.writeStringField("name", value);
        json.writeEndObject();
        json.writeEndObject();
    }

    /** {@code args} as name, value, name, value, ...; a null value is written as null. */
    private void writeArgs(Object[] args) throws IOException {
        json.writeObjectFieldStart("args");
        for (int i = 0; i < args.length; i += 2) {
            json.writeFieldName((String) args[i]);
            Object value = args[i + 1];
            if (value == null) {
                json.writeNull();
            } else if (value instanceof Number number) {
                json.writeNumber(number.longValue());
            } else {
                json.writeString(value.toString());
            }
        }
        json.writeEndObject();
    }

    @Override
    public void close() {
        try {
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One trace event a line, so that a large trace can still be read with grep, head or a diff. */
    private static final class OneEventPerLine extends MinimalPrettyPrinter {
        @Override
        public void beforeArrayValues(JsonGenerator generator) throws IOException {
            generator.writeRaw('\n');
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(",\n");
        }

        @Override
        public void writeEndArray(JsonGenerator generator, int nrOfValues) throws IOException {
            generator.writeRaw(nrOfValues == 0 ? "" : "\n");
            generator.writeRaw(']');
        }
    }
}
