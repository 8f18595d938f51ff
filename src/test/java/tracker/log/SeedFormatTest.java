package tracker.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reap lines' sizes: the original server's "403.84 MB", and never "0.00 MB" for a non-zero size. */
class SeedFormatTest {

    @Test
    void largeSizesKeepTheOriginalFormat() {
        assertEquals("403.84 MB", SeedFormat.megabytes(423_457_000L));
        assertEquals("0.01 MB", SeedFormat.megabytes(10_486));
        assertEquals("0.00 MB", SeedFormat.megabytes(0));
    }

    @Test
    void sizesBelowAHundredthOfAMegabyteAreNotZero() {
        assertEquals("4.00 KiB", SeedFormat.megabytes(4096));
        assertEquals("10.24 KiB", SeedFormat.megabytes(10_485));
        assertEquals("1.00 KiB", SeedFormat.megabytes(1024));
        assertEquals("64 B", SeedFormat.megabytes(64));
        assertEquals("1 B", SeedFormat.megabytes(1));
    }
}
