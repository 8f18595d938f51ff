package tracker.cli;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tracker.report.Bytes;
import tracker.report.Format;
import tracker.report.Hex;
import tracker.report.Report;
import tracker.store.EventChunkCodec;
import tracker.store.HistoryEvent;
import tracker.store.Times;

@Command(name = "history", sortOptions = false,
        description = {"Allocation events in time order: every ALLOC, FREE, CB_ALLOC, CB_FREE, KERNEL_LOAD and "
                + "KERNEL_UNLOAD the daemon received (queries and dump requests are not kept).",
                "The history is stored compactly, one chunk per process per commit window; times are the daemon's "
                        + "receive times, to the microsecond. ref_count is the record's count after the event "
                        + "(0: gone). unknown_free marks a FREE of a record that was not live. "
                        + "Records of a reaped process end in the audit (tracker audit), not here."})
final class HistoryCommand extends QueryCommand {

    @Option(names = "--pid", description = "Only this process.")
    Integer pid;

    @Option(names = "--device", description = "Only this device id.")
    Integer device;

    @Option(names = "--buffer", paramLabel = "ID", description = "Only this buffer id (address), hex 0x... or decimal.")
    String buffer;

    @Option(names = "--since", paramLabel = "TIME", description = "From this time: ISO-8601, or 10m / 2h / 7d ago.")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Up to this time: ISO-8601, or 10m / 2h / 7d ago.")
    String until;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "At most the N latest events (0: all). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    int run(Backend backend) {
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative");
        }
        Instant from = time(since);
        Instant to = time(until);
        Long bufferId = buffer == null ? null : parseId(buffer);
        SqlFilter filter = new SqlFilter()
                .when(pid, "pid = ?")
                .when(from == null ? null : Times.utc(from), "last_at >= ?")
                .when(to == null ? null : Times.utc(to), "first_at <= ?");
        long fromMicros = from == null ? Long.MIN_VALUE : Times.micros(from);
        long toMicros = to == null ? Long.MAX_VALUE : Times.micros(to);
        List<HistoryEvent> events = new ArrayList<>();
        String sql = "SELECT process_id, pid, encoding, data, id FROM event_chunks" + filter.where()
                + " ORDER BY first_at, id";
        backend.withConnection(connection -> {
            try (PreparedStatement statement = filter.bind(connection.prepareStatement(sql));
                 ResultSet chunks = statement.executeQuery()) {
                while (chunks.next()) {
                    long chunkId = chunks.getLong(5);
                    byte[] payload = tracker.store.StoredBlob.open(chunks.getInt(3), chunks.getBytes(4),
                            () -> "history chunk " + chunkId);
                    EventChunkCodec.decode(payload, chunks.getLong(1), (Integer) chunks.getObject(2),
                            event -> {
                                long micros = Times.micros(event.receivedAt());
                                if (micros >= fromMicros && micros <= toMicros
                                        && (device == null || event.deviceId() == device)
                                        && (bufferId == null || event.bufferId() == bufferId)) {
                                    events.add(event);
                                }
                            });
                }
            }
            return null;
        });
        events.sort(Comparator.comparing(HistoryEvent::receivedAt));
        List<HistoryEvent> shown = limit > 0 && events.size() > limit
                ? events.subList(events.size() - limit, events.size()) : events;
        if (format() == Format.TABLE) {
            HistoryTable.write(shown, out());
            return ExitCode.OK;
        }
        Report report = new Report(HistoryTable.COLUMNS);
        for (HistoryEvent event : shown) {
            report.add(event.receivedAt(), event.pid(), EventNames.event(event), event.deviceId(),
                    EventNames.type(event), new Hex(event.bufferId()), new Bytes(event.size()), event.refCountAfter(),
                    event.unknownFree());
        }
        print(report);
        return ExitCode.OK;
    }

    static long parseId(String text) {
        String value = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a buffer id (0x1a2b or decimal)");
        }
    }
}
