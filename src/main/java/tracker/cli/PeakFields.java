package tracker.cli;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import tracker.report.Bytes;
import tracker.report.Report;
import tracker.store.PeakRow;
import tracker.store.Queries;
import tracker.store.Times;

/**
 * A process's high-water mark, as ps and audit give it: {@code peak_bytes} (the most it held
 * at once, all devices and kinds together) and {@code peak_at} (when it first held that much);
 * in JSON also {@code peaks}, the peak per device, kind and type. Tables show {@code peak_bytes}
 * as PEAK. Null (a table's {@code -}) for a process that never held anything, or ended before
 * peaks were kept.
 */
final class PeakFields {

    static final List<String> FIELDS = List.of("peak_bytes", "peak_at", "peaks");
    /** the table's name for {@code peak_bytes} */
    static final String TABLE_COLUMN = "peak";

    private PeakFields() {
    }

    /** The cells of {@link #FIELDS} from a row with {@code peak_bytes} and {@code peak_at}; {@code peaks} is set later. */
    static Object[] cells(ResultSet rs) throws SQLException {
        Object bytes = rs.getObject("peak_bytes");
        if (bytes == null) {
            return new Object[] {null, null, detail(List.of())};
        }
        return new Object[] {new Bytes(((Number) bytes).longValue()), Times.instant(Queries.micros(rs, "peak_at")),
                null};
    }

    /** Per device, kind and type: the peak and when it was first reached. */
    static Report detail(List<PeakRow> peaks) {
        Report report = new Report("device_id", "kind", "type", "peak_bytes", "peak_at");
        for (PeakRow peak : peaks) {
            report.add(peak.deviceId(), peak.kind(), peak.type(), new Bytes(peak.peakBytes()),
                    Times.instant(peak.peakAtMicros()));
        }
        return report;
    }
}
