package tracker.cli;

import java.io.PrintWriter;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import tracker.report.Bytes;
import tracker.report.Renderer;
import tracker.report.NonClosingWriter;
import tracker.report.Report;
import tracker.report.Tags;

/**
 * {@code tracker leaks --format junit}: a JUnit XML report, as GitHub (test reporter actions),
 * GitLab ({@code artifacts:reports:junit}) and Jenkins (the {@code junit} step) read it: one
 * {@code testsuites} holding one {@code testsuite} with its {@code tests} and {@code failures}
 * counted, one {@code testcase} per process in scope. A process that leaked has a
 * {@code failure} whose text is what it held per device and kind. Every text is escaped, and
 * the characters XML 1.0 cannot hold at all are written as U+FFFD.
 */
final class LeakReport {

    static final String SUITE = "tracker leaks";
    static final String CLASS_NAME = "tracker.leaks";

    private LeakReport() {
    }

    /**
     * One process in the report.
     *
     * @param failed    it leaked
     * @param perDevice for a reaped process, what it held per device, kind and type; else null
     * @param host      on a fleet store, the process's host (named first in the case); else null
     */
    record Case(LeaksCommand.Leak leak, boolean failed, Tags tags, Report perDevice, String host) {
        /** A case of a host's own database. */
        Case(LeaksCommand.Leak leak, boolean failed, Tags tags, Report perDevice) {
            this(leak, failed, tags, perDevice, null);
        }
    }

    /** Writes the report of {@code cases}, in their order. */
    static void junit(List<Case> cases, PrintWriter out) {
        long failures = cases.stream().filter(Case::failed).count();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(NonClosingWriter.around(out));
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuites");
            suiteAttributes(xml, cases.size(), failures);
            xml.writeCharacters("\n  ");
            xml.writeStartElement("testsuite");
            suiteAttributes(xml, cases.size(), failures);
            xml.writeAttribute("skipped", "0");
            for (Case testCase : cases) {
                xml.writeCharacters("\n    ");
                writeCase(xml, testCase);
            }
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.flush();
            out.println();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write the JUnit report: " + e.getMessage(), e);
        }
    }

    private static void suiteAttributes(XMLStreamWriter xml, long tests, long failures) throws XMLStreamException {
        xml.writeAttribute("name", SUITE);
        xml.writeAttribute("tests", Long.toString(tests));
        xml.writeAttribute("failures", Long.toString(failures));
        xml.writeAttribute("errors", "0");
    }

    private static void writeCase(XMLStreamWriter xml, Case testCase) throws XMLStreamException {
        LeaksCommand.Leak leak = testCase.leak();
        xml.writeStartElement("testcase");
        xml.writeAttribute("classname", CLASS_NAME);
        xml.writeAttribute("name", text((testCase.host() == null ? "" : testCase.host() + ": ") + "pid "
                + Renderer.tableText(leak.pid()) + ": " + leak.command()));
        xml.writeAttribute("time", "0");
        if (testCase.failed()) {
            xml.writeCharacters("\n      ");
            xml.writeStartElement("failure");
            xml.writeAttribute("type", "leak");
            xml.writeAttribute("message", text(failureMessage(leak)));
            xml.writeCharacters(text(held(testCase)));
            xml.writeEndElement();
        }
        if (!testCase.tags().isEmpty()) {
            xml.writeCharacters("\n      ");
            xml.writeStartElement("system-out");
            xml.writeCharacters(text("tags: " + testCase.tags()));
            xml.writeEndElement();
        }
        if (testCase.failed() || !testCase.tags().isEmpty()) {
            xml.writeCharacters("\n    ");
        }
        xml.writeEndElement();
    }

    /** One line: what it held in all, and when and why it was found dead. */
    static String failureMessage(LeaksCommand.Leak leak) {
        HeldTotals held = leak.held();
        String holding = held.buffers() + " buffers, " + held.cbs() + " circular buffers, " + held.kernels()
                + " kernels: " + Bytes.human(held.totalBytes());
        if (leak.reapedAt() == null) {
            return "live, holding " + holding;
        }
        return "died holding " + holding + " (" + leak.reason() + ", reaped at " + leak.reapedAt() + ")";
    }

    /** Per device, kind and type, one line each; for a live process, its totals per kind. */
    private static String held(Case testCase) {
        StringBuilder text = new StringBuilder("\n");
        if (testCase.perDevice() != null) {
            for (Object[] row : testCase.perDevice().rows()) {
                text.append("device ").append(row[0]).append(' ').append(Kinds.heading((String) row[1],
                        (String) row[2])).append(": ").append(row[3]).append(' ')
                        .append(Kinds.noun((String) row[1], (Long) row[3])).append(", ")
                        .append(((Bytes) row[4]).value()).append(" bytes\n");
            }
        } else {
            HeldTotals held = testCase.leak().held();
            text.append("buffers: ").append(held.buffers()).append(", ").append(held.bufferBytes()).append(" bytes\n")
                    .append("circular buffers: ").append(held.cbs()).append(", ").append(held.cbBytes())
                    .append(" bytes\n")
                    .append("kernels: ").append(held.kernels()).append(", ").append(held.kernelBytes())
                    .append(" bytes\n");
        }
        text.append("command: ").append(testCase.leak().command()).append('\n');
        return text.toString();
    }

    /** {@code value} with every character XML 1.0 cannot hold replaced by U+FFFD. */
    static String text(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder clean = null;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            boolean allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
            if (!allowed && clean == null) {
                clean = new StringBuilder(value.substring(0, i));
            }
            if (clean != null) {
                clean.appendCodePoint(allowed ? c : 0xFFFD);
            }
            i += Character.charCount(c);
        }
        return clean == null ? value : clean.toString();
    }
}
