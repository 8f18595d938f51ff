package tracker.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import tracker.store.CorruptBlobException;
import tracker.store.EventChunkCodec;
import tracker.store.HistoryEvent;
import tracker.store.StoredBlob;
import tracker.store.Times;

/**
 * Reads the history for {@code tracker history} without holding it: the chunks are merged
 * in time order as they are read (see {@link HistoryMerge}), and a {@code --limit N} first
 * walks back from the newest chunks only as far as N events reach, then streams those
 * events forward. Memory is the chunks of about one commit window, whatever the size of
 * the history or of N. With {@code --buffer}, the rows of the reaps that removed that
 * buffer (see {@link HistoryReaps}: one per reap) are read first and merged in by time.
 *
 * <p>Everything is read in one snapshot (repeatable read), so that the count of the walk
 * back and the events streamed agree while the daemon commits. The queries run lazily
 * (H2 otherwise gathers a whole result before handing out its first row), in orders that
 * H2 reads straight off an index. Not thread-safe: one per command.
 */
final class HistoryReader {

    private static final String COLUMNS = "id, process_id, pid, first_at, encoding, data";

    private final Connection connection;
    private final HistoryFilter filter;
    /** told once per damaged chunk, which is then read as holding nothing */
    private final Consumer<String> onDamaged;
    private final java.util.Set<Long> damaged = new java.util.HashSet<>();

    /**
     * @param onDamaged told, once per chunk, of a chunk that fails its checksum: it is skipped,
     *                  never decoded into events nobody sent
     */
    HistoryReader(Connection connection, HistoryFilter filter, Consumer<String> onDamaged) {
        this.connection = connection;
        this.filter = filter;
        this.onDamaged = onDamaged;
    }

    /** The chunk's events as stored, or null when it is damaged (said once). */
    private byte[] payload(long id, int encoding, byte[] stored) {
        try {
            return StoredBlob.open(encoding, EventChunkCodec.STORED_ENCODING, stored, () -> "history chunk " + id);
        } catch (CorruptBlobException e) {
            if (damaged.add(id)) {
                onDamaged.accept(e.getMessage());
            }
            return null;
        }
    }

    /**
     * Hands the events the filter shows to {@code sink} in time order: every one when
     * {@code limit} is 0, else the {@code limit} latest.
     */
    void read(int limit, Consumer<HistoryEvent> sink) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        int isolation = connection.getTransactionIsolation();
        try {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(tracker.store.Database.snapshotIsolation(connection));
            lazy(true);
            readInSnapshot(limit, sink);
        } finally {
            try {
                lazy(false);
                connection.rollback();
            } finally {
                connection.setTransactionIsolation(isolation);
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    private static boolean isH2(Connection connection) throws SQLException {
        return connection.getMetaData().getDatabaseProductName().equals("H2");
    }

    private void lazy(boolean on) throws SQLException {
        if (!isH2(connection)) {
            return; // a fleet store's PostgreSQL streams rows through the driver's fetch size instead
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LAZY_QUERY_EXECUTION " + (on ? "TRUE" : "FALSE"));
        }
    }

    private void readInSnapshot(int limit, Consumer<HistoryEvent> sink) throws SQLException {
        List<HistoryEvent> reaps = HistoryReaps.read(connection, filter, onDamaged);
        if (limit == 0) {
            stream(filter.from(), 0, 0, reaps, sink);
            return;
        }
        // the latest N rows lie where the latest N events do, or later: reap rows only add to them
        Start start = walkBack(limit);
        long shown = start.events + countStraddling(start.from) + (reaps.size() - firstAtOrAfter(reaps, start.from));
        stream(start.from, Math.max(0, shown - limit), limit, reaps, sink);
    }

    /** The index of the first of {@code rows} (in time order) at or after {@code micros}. */
    private static int firstAtOrAfter(List<HistoryEvent> rows, long micros) {
        int index = 0;
        while (index < rows.size() && micros(rows.get(index)) < micros) {
            index++;
        }
        return index;
    }

    private static long micros(HistoryEvent row) {
        return Times.micros(row.receivedAt());
    }

    /** Where the events to show begin, and how many shown events lie in chunks starting there or later. */
    private record Start(long from, long events) {
    }

    /**
     * Walks the chunks from the newest first event back until they hold {@code limit} shown
     * events: those chunks start at or after some time T, so the latest {@code limit} events
     * are at or after T. Chunks that start at T itself are all counted.
     */
    private Start walkBack(int limit) throws SQLException {
        SqlParts sql = new SqlParts();
        sql.index(filter.pid() == null ? "event_chunks_time" : "event_chunks_pid_time");
        sql.when(filter.pid(), "pid = ?");
        filter.tags().addTo(sql.where, "process_id");
        if (filter.hasTo()) {
            sql.when(Times.utc(filter.to()), "first_at <= ?");
        }
        sql.order(filter.pid() == null ? "first_at DESC" : "pid DESC, first_at DESC");
        long events = 0;
        long reached = Long.MIN_VALUE;
        try (PreparedStatement statement = sql.prepare(connection, "first_at, last_at, event_count, encoding, data, id");
             ResultSet chunks = statement.executeQuery()) {
            while (chunks.next()) {
                long first = micros(chunks, 1);
                if (first < filter.from() || (reached != Long.MIN_VALUE && first < reached)) {
                    break;
                }
                long last = micros(chunks, 2);
                byte[] payload = payload(chunks.getLong(6), chunks.getInt(4), chunks.getBytes(5));
                if (payload == null) {
                    continue;
                }
                events += filter.takesWholeChunk(first, last) ? chunks.getInt(3)
                        : HistoryChunk.count(payload, chunks.getInt(4), filter);
                if (events >= limit && reached == Long.MIN_VALUE) {
                    reached = first; // go on through the chunks that start at the same time
                }
            }
        }
        return new Start(reached == Long.MIN_VALUE ? filter.from() : reached, events);
    }

    /** Shown events at or after {@code from} in chunks that start before it. */
    private long countStraddling(long from) throws SQLException {
        long count = 0;
        for (HistoryChunk.Row row : straddling(from)) {
            count += HistoryChunk.count(row.data(), row.encoding(), filter.startingAt(from));
        }
        return count;
    }

    /**
     * Streams the shown events from {@code from} on, in time order, with the reap rows among
     * them: skips the first {@code skip} rows, then hands on at most {@code limit} (0: all).
     */
    private void stream(long from, long skip, int limit, List<HistoryEvent> reaps, Consumer<HistoryEvent> sink)
            throws SQLException {
        HistoryFilter shown = filter.startingAt(from);
        List<HistoryChunk.Row> before = straddling(from);
        SqlParts sql = new SqlParts();
        sql.index(filter.pid() == null ? "event_chunks_time" : "event_chunks_pid_time");
        sql.when(filter.pid(), "pid = ?");
        filter.tags().addTo(sql.where, "process_id");
        if (from != Long.MIN_VALUE) {
            sql.when(Times.utc(from), "first_at >= ?");
        }
        if (filter.hasTo()) {
            sql.when(Times.utc(filter.to()), "first_at <= ?");
        }
        sql.order(filter.pid() == null ? "first_at" : "pid, first_at");
        try (PreparedStatement statement = sql.prepare(connection, COLUMNS);
             ResultSet chunks = statement.executeQuery()) {
            int[] next = {0};
            HistoryMerge merge = new HistoryMerge(() -> {
                if (next[0] < before.size()) {
                    return before.get(next[0]++);
                }
                while (chunks.next()) {
                    HistoryChunk.Row row = row(chunks);
                    if (row != null) {
                        return row;
                    }
                }
                return null;
            }, shown);
            Window window = new Window(skip, limit);
            int reap = firstAtOrAfter(reaps, from);
            while (!window.full() && merge.next()) {
                long micros = merge.current().micros();
                // a reap comes after the events of its microsecond: it removed what they left
                for (; reap < reaps.size() && micros(reaps.get(reap)) < micros && !window.full(); reap++) {
                    if (window.takesNext()) {
                        sink.accept(reaps.get(reap));
                    }
                }
                if (!window.full() && window.takesNext()) {
                    sink.accept(merge.current().event());
                }
            }
            for (; reap < reaps.size() && !window.full(); reap++) {
                if (window.takesNext()) {
                    sink.accept(reaps.get(reap));
                }
            }
        }
    }

    /** Which rows of a stream are shown: the first {@code skip} are not, then at most {@code limit} (0: all). */
    private static final class Window {
        private long skip;
        private final long limit;
        private long handed;

        Window(long skip, long limit) {
            this.skip = skip;
            this.limit = limit;
        }

        /** Whether the next row is shown; it is counted either way. */
        boolean takesNext() {
            if (skip > 0) {
                skip--;
                return false;
            }
            handed++;
            return true;
        }

        boolean full() {
            return limit != 0 && handed >= limit;
        }
    }

    /**
     * The chunks that start before {@code from} and end at or after it, in merge order. They
     * are those that overlap one instant: a commit window's worth at most.
     */
    private List<HistoryChunk.Row> straddling(long from) throws SQLException {
        List<HistoryChunk.Row> rows = new ArrayList<>();
        if (from == Long.MIN_VALUE) {
            return rows;
        }
        SqlParts sql = new SqlParts();
        if (hasIndex("EVENT_CHUNKS_LAST_AT")) {
            sql.index("event_chunks_last_at");
        }
        sql.when(Times.utc(from), "last_at >= ?");
        sql.when(Times.utc(from), "first_at < ?");
        sql.when(filter.pid(), "pid = ?");
        filter.tags().addTo(sql.where, "process_id");
        if (filter.hasTo()) {
            sql.when(Times.utc(filter.to()), "first_at <= ?");
        }
        try (PreparedStatement statement = sql.prepare(connection, COLUMNS);
             ResultSet chunks = statement.executeQuery()) {
            while (chunks.next()) {
                HistoryChunk.Row row = row(chunks);
                if (row != null) {
                    rows.add(row);
                }
            }
        }
        rows.sort(Comparator.comparingLong(HistoryChunk.Row::firstMicros).thenComparingLong(HistoryChunk.Row::id));
        return rows;
    }

    /**
     * Whether the file has this index: one written before it existed and read without a
     * daemon (which would have added it) is read more slowly, but read.
     */
    private boolean hasIndex(String name) throws SQLException {
        if (!isH2(connection)) {
            return false; // a fleet store's PostgreSQL has its own indexes, and chooses among them itself
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME = 'EVENT_CHUNKS' AND INDEX_NAME = ?")) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    /** null for a damaged chunk */
    private HistoryChunk.Row row(ResultSet chunks) throws SQLException {
        long id = chunks.getLong(1);
        int encoding = chunks.getInt(5);
        byte[] payload = payload(id, encoding, chunks.getBytes(6));
        return payload == null ? null : new HistoryChunk.Row(id, chunks.getLong(2), (Integer) chunks.getObject(3),
                micros(chunks, 4), encoding, payload);
    }

    private static long micros(ResultSet rs, int column) throws SQLException {
        return Times.micros(rs.getObject(column, OffsetDateTime.class).toInstant());
    }

    /** A query on event_chunks: an index to read, conditions with their values, an order. */
    private static final class SqlParts {
        private final SqlFilter where = new SqlFilter();
        /** null: H2 chooses */
        private String index;
        private String order = "";

        void index(String name) {
            index = name;
        }

        void when(Object value, String condition) {
            where.when(value, condition);
        }

        void order(String columns) {
            order = " ORDER BY " + columns;
        }

        PreparedStatement prepare(Connection connection, String columns) throws SQLException {
            // the index is named: with no statistics H2 may pick another and sort the whole result
            String sql = "SELECT " + columns + " FROM event_chunks"
                    + (index == null || !isH2(connection) ? "" : " USE INDEX (" + index + ")") + where.where() + order;
            PreparedStatement statement = connection.prepareStatement(sql);
            try {
                return where.bind(statement);
            } catch (SQLException e) {
                statement.close();
                throw e;
            }
        }
    }
}
