package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tracker.server.TopFigures;

/** The layout of {@code tracker top}, from figures made here: what each key and size does to the lines. */
class TopScreenTest {

    private static final long MIB = 1 << 20;

    private static TopFigures figures() {
        return new TopFigures(1_764_000_000_000_000L, 120, 5_000, 42.5, 3,
                List.of(new TopFigures.Group(0, "BUFFER", "DRAM", 256 * MIB, 512 * MIB, 1024 * MIB),
                        new TopFigures.Group(0, "CB", "L1", MIB, 4 * MIB, TopFigures.UNKNOWN),
                        new TopFigures.Group(1, "BUFFER", "L1", 2 * MIB, 2 * MIB, TopFigures.UNKNOWN)),
                List.of(new TopFigures.Holder("100", "python small.py", Map.of(), MIB, 90 * MIB, Map.of(0, MIB)),
                        new TopFigures.Holder("300", "python big.py", Map.of("job", "build-a"), 200 * MIB, 200 * MIB,
                                Map.of(0, 198 * MIB, 1, 2 * MIB)),
                        new TopFigures.Holder("200", "python \u001b[2Jwipe", Map.of("note", "x\u001b]0;owned\u0007"),
                                56 * MIB, 60 * MIB, Map.of(0, 56 * MIB))));
    }

    private static List<String> pids(List<String> lines) {
        int header = lines.indexOf(lines.stream().filter(line -> line.startsWith("PID")).findFirst().orElseThrow());
        return lines.subList(header + 1, lines.size()).stream().map(line -> line.split(" +")[0]).toList();
    }

    @Test
    void barsAreDrawnAgainstTheCapacityWhenKnownElseAgainstThePeak() {
        List<String> lines = TopScreen.render(new TopView(figures(), TopView.Sort.LIVE, null), 100, 40);
        String dram = lines.stream().filter(line -> line.contains("DRAM")).findFirst().orElseThrow();
        assertTrue(dram.contains("256 MiB / 1.00 GiB"), dram);
        assertTrue(dram.endsWith(" 25%"), dram);
        String cb = lines.stream().filter(line -> line.contains(" CB ")).findFirst().orElseThrow();
        assertTrue(cb.contains("1.00 MiB / 4.00 MiB (peak)"), cb);
        assertTrue(cb.endsWith(" 25%"), cb);
        int inside = dram.indexOf(']') - dram.indexOf('[') - 1;
        long filled = dram.chars().filter(c -> c == '#').count();
        assertEquals(Math.round(inside * 0.25), filled, dram);
        assertTrue(lines.contains("device 0") && lines.contains("device 1"), String.join("\n", lines));
    }

    @Test
    void theSortKeyCyclesThroughLivePeakPidAndCommand() {
        TopView view = new TopView(figures(), TopView.Sort.LIVE, null);
        assertEquals(List.of("300", "200", "100"), pids(TopScreen.render(view, 120, 40)));
        view.nextSort();
        assertEquals(TopView.Sort.PEAK, view.sort());
        assertEquals(List.of("300", "100", "200"), pids(TopScreen.render(view, 120, 40)));
        view.nextSort();
        List<String> byPid = TopScreen.render(view, 120, 40);
        assertTrue(byPid.get(1).startsWith("sort: pid  device: all  q quit"), byPid.get(1));
        assertEquals(List.of("100", "200", "300"), pids(byPid));
        view.nextSort();
        // by the command as the client sent it: the escape character sorts before letters
        assertEquals(List.of("200", "300", "100"), pids(TopScreen.render(view, 120, 40)));
        view.nextSort();
        assertEquals(TopView.Sort.LIVE, view.sort());
    }

    @Test
    void pickingADeviceShowsItsBarsAndWhatEachProcessHoldsThere() {
        TopView view = new TopView(figures(), TopView.Sort.LIVE, null);
        view.nextDevice();
        assertEquals(0, view.device());
        view.nextDevice();
        assertEquals(1, view.device());
        List<String> lines = TopScreen.render(view, 120, 40);
        assertFalse(lines.contains("device 0"), String.join("\n", lines));
        assertTrue(lines.contains("device 1"), String.join("\n", lines));
        assertEquals(List.of("300"), pids(lines), "only the process holding memory on device 1");
        assertTrue(lines.stream().anyMatch(line -> line.startsWith("300") && line.contains("2.00 MiB")),
                String.join("\n", lines));
        view.nextDevice();
        assertEquals(null, view.device());
    }

    @Test
    void clientTextIsEscapedAndEveryLineFitsTheWidth() {
        for (int width : new int[] {30, 80, 200}) {
            List<String> lines = TopScreen.render(new TopView(figures(), TopView.Sort.LIVE, null), width, 40);
            for (String line : lines) {
                assertTrue(line.length() <= width, width + ": " + line);
                assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x7f), line);
            }
        }
        String all = String.join("\n", TopScreen.render(new TopView(figures(), TopView.Sort.LIVE, null), 200, 40));
        assertTrue(all.contains("python \\x1b[2Jwipe"), all);
        assertTrue(all.contains("note=x\\x1b]0\\;owned\\x07"), all);
    }

    @Test
    void aNarrowerScreenHasShorterBarsAndAShorterOneFewerRows() {
        TopView view = new TopView(figures(), TopView.Sort.LIVE, null);
        String wide = TopScreen.render(view, 160, 40).stream().filter(line -> line.contains("DRAM")).findFirst().orElseThrow();
        String narrow = TopScreen.render(view, 80, 40).stream().filter(line -> line.contains("DRAM")).findFirst().orElseThrow();
        assertNotEquals(wide.indexOf(']'), narrow.indexOf(']'));
        assertTrue(narrow.indexOf(']') < wide.indexOf(']'), wide + "\n" + narrow);
        // ten lines of header and bars, then room for one row and the line saying two are left out
        List<String> short_ = TopScreen.render(view, 120, 12);
        assertEquals(12, short_.size(), String.join("\n", short_));
        assertTrue(short_.get(10).startsWith("300 "), String.join("\n", short_));
        assertTrue(short_.get(11).startsWith("... 2 more"), String.join("\n", short_));
    }

    @Test
    void figuresThatCouldNotBeRefreshedStayWithTheReasonInPlaceOfTheKeys() {
        TopView view = new TopView(figures(), TopView.Sort.LIVE, null);
        view.stale("no daemon is running on /x (showing the last figures; q quits)");
        List<String> lines = TopScreen.render(view, 120, 40);
        assertEquals("sort: live  device: all  ! no daemon is running on /x (showing the last figures; q quits)",
                lines.get(1));
        assertEquals(List.of("300", "200", "100"), pids(lines));
        view.show(figures());
        assertTrue(TopScreen.render(view, 120, 40).get(1).endsWith(TopScreen.KEYS));
    }
}
