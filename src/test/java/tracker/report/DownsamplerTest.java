package tracker.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A long timeline drawn from a fixed number of points keeps its one-microsecond peak and trough. */
class DownsamplerTest {

    private static final Downsampler.Series DRAM = new Downsampler.Series(0, "DRAM");

    @Test
    void aMillionLevelsAreDrawnFromTheStatedPointsWithTheirExtremes() {
        int buckets = 100;
        Downsampler data = new Downsampler(0, 1_000_000, buckets);
        for (long t = 0; t < 1_000_000; t++) {
            long level = t == 512_345 ? 9_000_000 : t == 700_001 ? 0 : 1_000 + t % 7;
            data.level(DRAM, t, level);
        }
        Downsampler.Levels levels = data.series().get(DRAM);
        assertEquals(9_000_000, levels.peak());
        assertEquals(512_345, levels.peakAtMicros());
        assertEquals(9_000_000, levels.max[data.bucketOf(512_345)]);
        assertEquals(0, levels.min[data.bucketOf(700_001)]);
        assertEquals(1_000 + 999_999 % 7, levels.lastLevel());

        StringBuilder svg = new StringBuilder();
        LiveBytesSvg.write(svg, data, 0, ChartCapacity.NONE);
        Matcher path = Pattern.compile("class=\"series\" data-series=\"DRAM\" stroke=\"[^\"]+\" d=\"([^\"]+)\"")
                .matcher(svg);
        assertTrue(path.find(), svg.toString());
        int points = path.group(1).split("[ML]").length - 1;
        // entry, highest, lowest and last per bucket, and the end
        assertTrue(points <= 4 * buckets + 1, points + " points");
        // the peak's y: the top of the scale's 110 %
        assertTrue(path.group(1).contains(",36.0 "), "the peak is drawn: " + path.group(1));
    }

    @Test
    void aKnownCapacityWithinTheScaleIsADashedLineAndAboveItANote() {
        Downsampler data = new Downsampler(0, 100, 10);
        data.level(DRAM, 5, 900);
        data.level(new Downsampler.Series(0, "L1"), 6, 100);
        StringBuilder svg = new StringBuilder();
        LiveBytesSvg.write(svg, data, 0, (device, memory) -> java.util.OptionalLong.of(memory.equals("DRAM") ? 950 : 1L << 30));
        assertTrue(svg.toString().contains("<g class=\"capacity\" data-memory=\"DRAM\">"), svg.toString());
        assertTrue(!svg.toString().contains("data-memory=\"L1\""), svg.toString());
        assertTrue(svg.toString().contains("L1 capacity 1.00 GiB (above this chart's scale)"), svg.toString());
    }
}
