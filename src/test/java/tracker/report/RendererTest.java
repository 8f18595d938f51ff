package tracker.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RendererTest {

    private static String render(Report report, Format format) {
        StringWriter text = new StringWriter();
        Renderer.render(report, format, new PrintWriter(text));
        return text.toString();
    }

    private static Report sample() {
        return new Report("pid", "command", "size", "buffer_id", "at")
                .add(7, "python \"run.py\", fast", new Bytes(1536), new Hex(-1L), Instant.parse("2026-11-26T09:00:00Z"))
                .add(8, null, new Bytes(0), new Hex(16), null);
    }

    @Test
    void csvQuotesFieldsAndGivesExactBytes() {
        assertEquals("pid,command,size,buffer_id,at\n"
                + "7,\"python \"\"run.py\"\", fast\",1536,0xffffffffffffffff,2026-11-26T09:00:00Z\n"
                + "8,,0,0x10,\n", render(sample(), Format.CSV).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void jsonGivesOneObjectPerRowWithNumbersForBytes() {
        assertEquals("[\n{\"pid\":7,\"command\":\"python \\\"run.py\\\", fast\",\"size\":1536,"
                + "\"buffer_id\":\"0xffffffffffffffff\",\"at\":\"2026-11-26T09:00:00Z\"}\n"
                + ",{\"pid\":8,\"command\":null,\"size\":0,\"buffer_id\":\"0x10\",\"at\":null}\n]\n",
                render(sample(), Format.JSON).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void tableAlignsColumnsAndShowsSizesForPeople() {
        String table = render(sample(), Format.TABLE);
        assertEquals("PID  COMMAND                    SIZE  BUFFER_ID           AT", table.lines().findFirst().orElseThrow());
        assertEquals("  7  python \"run.py\", fast  1.50 KiB  0xffffffffffffffff  2026-11-26T09:00:00Z",
                table.lines().skip(1).findFirst().orElseThrow());
    }

    @Test
    void humanSizesUseBinaryUnits() {
        assertEquals("1023 B", Bytes.human(1023));
        assertEquals("1.00 KiB", Bytes.human(1024));
        assertEquals("404 MiB", Bytes.human(423_458_816));
        assertEquals("1.00 TiB", Bytes.human(1L << 40));
    }
}
