package tracker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Reads what a reaped process held, from {@code reap_holdings}. */
public final class ReapHoldings {

    private ReapHoldings() {
    }

    /** The records reap {@code reapId} removed, by device, kind, type and address. */
    public static List<LiveRow> of(Connection connection, long reapId) throws SQLException {
        List<LiveRow> rows = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT part, encoding, data FROM reap_holdings WHERE reap_id = ? ORDER BY part")) {
            statement.setLong(1, reapId);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    decodeStored(reapId, rs.getInt(1), rs.getInt(2), rs.getBytes(3), rows::add);
                }
            }
        }
        rows.sort(ORDER);
        return rows;
    }

    /** The order a post-mortem reads them in. */
    public static final java.util.Comparator<LiveRow> ORDER = java.util.Comparator.comparingInt(LiveRow::deviceId)
            .thenComparing(LiveRow::kind).thenComparing(LiveRow::type).thenComparingLong(LiveRow::bufferId);

    /**
     * Checks and decodes one stored part of reap {@code reapId}'s holdings.
     *
     * @throws CorruptBlobException when the part is damaged: nothing is decoded from it
     */
    public static void decodeStored(long reapId, int part, int encoding, byte[] stored, Consumer<LiveRow> sink) {
        decode(StoredBlob.open(encoding, stored, () -> "part " + part + " of the holdings of reap " + reapId), sink);
    }

    static void decode(byte[] data, Consumer<LiveRow> sink) {
        LiveSetCodec.decode(data, 0, new LiveSetCodec.Sink() {
            @Override
            public void put(LiveRow row) {
                sink.accept(row);
            }

            @Override
            public void delete(LiveKeyRow key) {
                throw new IllegalStateException("a reap's holdings never delete");
            }
        });
    }
}
