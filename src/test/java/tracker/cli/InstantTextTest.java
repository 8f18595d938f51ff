package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InstantTextTest {

    private static void assertSameText(InstantText text, Instant instant) {
        assertEquals(instant.toString(), text.format(instant), () -> "seconds " + instant.getEpochSecond()
                + " nanos " + instant.getNano());
        assertEquals(instant.toString().length(), text.length(instant), instant::toString);
    }

    @Test
    void writesWhatInstantToStringWrites() {
        Random random = new Random(7);
        InstantText text = new InstantText();
        long second = 1_764_000_000L;
        for (int i = 0; i < 100_000; i++) {
            second += random.nextInt(4) == 0 ? random.nextInt(5) - 2 : 0; // runs in one second, steps both ways
            int nanos = switch (random.nextInt(5)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                case 3 -> random.nextInt(10) * 100_000_000;
                default -> random.nextInt(1_000_000_000);
            };
            assertSameText(text, Instant.ofEpochSecond(second, nanos));
        }
    }

    @Test
    void yearsBeyondFourDigitsAndBeforeTheEpochToo() {
        InstantText text = new InstantText();
        for (Instant instant : new Instant[] {Instant.EPOCH, Instant.ofEpochSecond(-1, 999_000_000),
                Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
                Instant.parse("9999-12-31T23:59:59.999999Z"), Instant.parse("9999-12-31T23:59:59Z").plusSeconds(1),
                Instant.MIN, Instant.MAX, Instant.ofEpochSecond(1_764_000_000L, 1)}) {
            assertSameText(text, instant);
        }
    }
}
