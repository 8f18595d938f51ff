package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ParsersAndCompletionTest {

    private static final Clock NOON = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void relativeTimesCountBackFromNow() {
        assertEquals(Instant.parse("2026-11-26T11:50:00Z"), TimeParser.parse("10m", NOON));
        assertEquals(Instant.parse("2026-11-26T10:00:00Z"), TimeParser.parse("2h", NOON));
        assertEquals(Instant.parse("2026-11-19T12:00:00Z"), TimeParser.parse("7d", NOON));
    }

    @Test
    void absoluteTimesAcceptIso8601Forms() {
        assertEquals(Instant.parse("2026-11-26T09:00:00Z"), TimeParser.parse("2026-11-26T09:00:00Z", NOON));
        assertEquals(Instant.parse("2026-11-26T08:00:00Z"), TimeParser.parse("2026-11-26T09:00:00+01:00", NOON));
        assertThrows(IllegalArgumentException.class, () -> TimeParser.parse("yesterday", NOON));
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertEquals(Duration.ofMillis(250), DurationParser.parse("250ms"));
        assertEquals(Duration.ofSeconds(10), DurationParser.parse("10s"));
        assertEquals(Duration.ofDays(14), DurationParser.parse("2w"));
        assertEquals(Duration.ofMinutes(90), DurationParser.parse("PT90M"));
        assertThrows(IllegalArgumentException.class, () -> DurationParser.parse("ten minutes"));
    }

    @Test
    void forwardedArgumentsCarryAnAbsoluteDatabasePath() {
        Path database = Path.of("/var/lib/tracker/db");
        assertEquals(java.util.List.of("dump", "--db=/var/lib/tracker/db", "--pid", "7"),
                java.util.List.of(Main.withDatabase(new String[] {"dump", "--db", "relative", "--pid", "7"}, database)));
        assertEquals(Path.of("x").toAbsolutePath(), Main.databaseOf(new String[] {"dump", "--db=x"}));
    }

    @Test
    void committedCompletionScriptMatchesTheCommands() throws Exception {
        Path committed = Path.of("cli", "tracker_completion.bash");
        assertEquals(CompletionCommand.script(), Files.readString(committed),
                "cli/tracker_completion.bash is stale: regenerate it with 'cli/tracker completion > "
                        + "cli/tracker_completion.bash'");
    }
}
