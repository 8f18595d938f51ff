package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import tracker.report.Bytes;
import tracker.report.Report;
import tracker.store.Times;

/**
 * {@code stats --since/--until} on a fleet store: per host, device, kind and type, the peak
 * live bytes of a span and when they were first reached, from {@code usage_minutes}. A host
 * ships each minute's peak (over the commit windows that began in it), not its windows nor
 * the level at a minute's end, so the answer is to the minute: every minute that overlaps
 * the span {@code [since, until)} counts whole. A span of whole minutes reads exactly its
 * minutes; a ragged edge reads its whole minute, so a peak of up to a minute before
 * {@code since} or after {@code until} may count. Stateless.
 */
final class FleetDevicePeaks {

    static final Duration MINUTE = Duration.ofMinutes(1);

    /** The table's columns: those of a host's own peaks, with the host first. */
    static final List<String> COLUMNS = List.of(FleetScope.COLUMN, "device_id", "kind", "type", "peak_bytes",
            "peak_at");

    private FleetDevicePeaks() {
    }

    /**
     * @param since null: from the first minute the store holds
     * @param until null: to now
     */
    static Report read(Connection connection, FleetScope scope, Instant since, Instant until) throws SQLException {
        List<Object[]> peaks = new ArrayList<>();
        List<FleetHost> hosts = scope.hosts();
        if (!hosts.isEmpty()) {
            // the highest peak per group, and of equal ones the first reached (as a host's own stats):
            // one pass over the span's rows in the index of (host, minute), sorted per group
            String sql = "SELECT DISTINCT ON (host_id, device_id, kind, type)"
                    + " host_id, device_id, kind, type, peak_bytes, peak_at FROM usage_minutes"
                    + " WHERE host_id = ANY(?)"
                    + (since == null ? "" : " AND minute > ?") // the minute ends after since
                    + (until == null ? "" : " AND minute < ?") // and began before until
                    + " ORDER BY host_id, device_id, kind, type, peak_bytes DESC, peak_at";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int parameter = 1;
                statement.setArray(parameter++, connection.createArrayOf("INTEGER",
                        hosts.stream().map(FleetHost::id).toArray(Integer[]::new)));
                if (since != null) {
                    statement.setObject(parameter++, Times.utc(since.minus(MINUTE)));
                }
                if (until != null) {
                    statement.setObject(parameter, Times.utc(until));
                }
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        peaks.add(new Object[] {scope.nameOfHost(rs.getInt(1)), rs.getInt(2), rs.getString(3),
                                rs.getString(4), new Bytes(rs.getLong(5)),
                                rs.getObject(6, OffsetDateTime.class).toInstant()});
                    }
                }
            }
        }
        // per host by name, as the rest of the fleet's stats; then as a host's own peaks
        peaks.sort(Comparator.<Object[], String>comparing(row -> (String) row[0])
                .thenComparingInt(row -> (Integer) row[1])
                .thenComparing(row -> (String) row[2])
                .thenComparing(row -> (String) row[3]));
        Report report = new Report(COLUMNS);
        peaks.forEach(report::add);
        return report;
    }
}
