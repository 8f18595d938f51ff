package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of the Trace Event Format ("Trace Event Format", the document chrome://tracing and
 * Perfetto follow) that a tracker trace must keep, checked on its text: the JSON object form
 * with a {@code traceEvents} array; every event with a name, a known phase and integer pid;
 * timestamps ({@code ts}, {@code dur}) in microseconds, as numbers; complete events with a
 * duration of 0 or more; instant events with a scope of g, p or t; counter events with
 * numeric args, whose timestamps rise strictly along each counter track (pid and name);
 * metadata events of the names the format defines.
 */
final class ChromeTraceRules {

    private static final Set<String> PHASES = Set.of("C", "X", "i", "M");
    private static final Set<String> METADATA = Set.of("process_name", "process_labels", "process_sort_index",
            "thread_name", "thread_sort_index");

    private ChromeTraceRules() {
    }

    /** The trace's events, once every rule held. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> events(String text) {
        Object root = JsonTree.parse(text);
        assertInstanceOf(Map.class, root, "a trace in the JSON object form");
        Object array = ((Map<String, Object>) root).get("traceEvents");
        assertInstanceOf(List.class, array, "traceEvents is an array");
        List<Map<String, Object>> events = new ArrayList<>();
        Map<String, Long> lastCounterTime = new HashMap<>();
        for (Object item : (List<Object>) array) {
            assertInstanceOf(Map.class, item, "every trace event is an object");
            Map<String, Object> event = (Map<String, Object>) item;
            String phase = (String) event.get("ph");
            assertTrue(PHASES.contains(phase), "phase " + phase + " of " + event);
            assertInstanceOf(String.class, event.get("name"), "name of " + event);
            assertInstanceOf(Long.class, event.get("pid"), "pid of " + event);
            if (phase.equals("M")) {
                assertTrue(METADATA.contains(event.get("name")), "metadata name of " + event);
                assertInstanceOf(Map.class, event.get("args"), "args of " + event);
            } else {
                Object ts = event.get("ts");
                assertInstanceOf(Long.class, ts, "ts in whole microseconds: " + event);
                // microseconds since the epoch: after 2001 and before 2286 (a time in ms or ns is not)
                assertTrue((Long) ts > 1_000_000_000_000_000L && (Long) ts < 10_000_000_000_000_000L,
                        "ts in microseconds since the epoch: " + event);
            }
            switch (phase) {
                case "X" -> {
                    assertInstanceOf(Long.class, event.get("dur"), "dur of " + event);
                    assertTrue((Long) event.get("dur") >= 0, "dur of " + event);
                    assertInstanceOf(Long.class, event.get("tid"), "tid of " + event);
                }
                case "i" -> assertTrue(Set.of("g", "p", "t").contains(event.get("s")), "scope of " + event);
                case "C" -> {
                    Map<String, Object> args = (Map<String, Object>) event.get("args");
                    assertTrue(args != null && !args.isEmpty(), "counter values of " + event);
                    args.values().forEach(value -> assertInstanceOf(Long.class, value, "counter value of " + event));
                    String track = event.get("pid") + "/" + event.get("name");
                    Long previous = lastCounterTime.put(track, (Long) event.get("ts"));
                    assertTrue(previous == null || previous < (Long) event.get("ts"),
                            "counter track " + track + " goes forward in time: " + previous + " then " + event);
                }
                default -> assertEquals("M", phase);
            }
            events.add(event);
        }
        return events;
    }
}
