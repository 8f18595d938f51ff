package tracker.reaper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import tracker.store.Database;
import tracker.store.ProcessRow;
import tracker.store.Queries;
import tracker.store.ReapRecord;
import tracker.store.StoreWriter;

/**
 * Reaps straight from the database file: at daemon start-up, before the live set is loaded,
 * and for {@code tracker reap} when no daemon runs. The caller holds the file alone.
 */
public final class StoredReapTarget implements ReapTarget {

    private final Database database;
    private final StoreWriter writer;
    private final LongSupplier nowMicros;

    public StoredReapTarget(Database database, LongSupplier nowMicros) {
        this.database = database;
        this.writer = StoreWriter.of(database);
        this.nowMicros = nowMicros;
    }

    @Override
    public List<ProcessRow> processesHoldingRecords() {
        return database.jdbi().withHandle(Queries::processesHoldingRecords);
    }

    @Override
    public List<ReapRecord> reap(Map<ProcessRow, ReapReason> dead) {
        List<ReapRecord> reaped = new ArrayList<>();
        dead.forEach((process, reason) -> {
            ReapRecord record = writer.reapStored(process, reason.name(), nowMicros.getAsLong());
            if (record != null) {
                reaped.add(record);
            }
        });
        return reaped;
    }
}
