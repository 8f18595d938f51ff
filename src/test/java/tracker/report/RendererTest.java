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
    void aTableCutToAWidthShortensOnlyItsLastColumn() {
        Report report = new Report("pid", "size", "command")
                .add(7, new Bytes(1536), "python3 train.py --epochs 90")
                .add(12345, new Bytes(0), "ls");
        StringWriter text = new StringWriter();
        Renderer.table(report, new PrintWriter(text), new LineWidth(25));
        assertEquals("  PID      SIZE  COMMAND\n"
                + "    7  1.50 KiB  pytho...\n"
                + "12345       0 B  ls\n", text.toString().replace(System.lineSeparator(), "\n"));
        // narrower than the other columns: they stay whole, the last is all that is cut
        text.getBuffer().setLength(0);
        Renderer.table(report, new PrintWriter(text), new LineWidth(10));
        assertEquals("  PID      SIZE  ...\n"
                + "    7  1.50 KiB  ...\n"
                + "12345       0 B  ls\n", text.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aLineIsCutBetweenCharactersNeverWithinOne() {
        LineWidth width = new LineWidth(12);
        assertEquals("pid 7: ab...", width.fit("pid 7: abcdefgh", 7));
        String smile = "\uD83D\uDE00"; // one character, two chars in a Java string
        assertEquals("pid 7: " + smile.repeat(2) + "...", width.fit("pid 7: " + smile.repeat(6), 7));
        assertEquals("a long head: x", width.fit("a long head: x", 13), "cutting would not shorten it");
        assertEquals("pid 7: abcde", width.fit("pid 7: abcde", 7), "it fits");
        assertEquals("pid 7: abcdefgh", LineWidth.UNLIMITED.fit("pid 7: abcdefgh", 7));
    }

    @Test
    void humanSizesUseBinaryUnits() {
        assertEquals("1023 B", Bytes.human(1023));
        assertEquals("1.00 KiB", Bytes.human(1024));
        assertEquals("404 MiB", Bytes.human(423_458_816));
        assertEquals("1.00 TiB", Bytes.human(1L << 40));
    }
}
