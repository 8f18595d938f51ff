package tracker.store;

import java.util.List;

/**
 * A process's high-water marks: of all it held at once ({@code peakBytes}, first reached at
 * {@code peakAtMicros}), and per device, kind and type.
 */
public record ProcessPeaksRow(long processId, long peakBytes, long peakAtMicros, List<PeakRow> detail) {
}
