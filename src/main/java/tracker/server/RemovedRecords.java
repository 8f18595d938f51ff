package tracker.server;

import java.util.AbstractList;
import java.util.RandomAccess;
import tracker.store.LiveRow;

/**
 * The records a reap removed, as rows made on first use: the ledger thread only detaches
 * them (a QUERY waits behind it), and the writer thread, which reads them first, pays for
 * the 100,000 rows of a large reap. The records are final once removed.
 */
final class RemovedRecords extends AbstractList<LiveRow> implements RandomAccess {

    private final LiveRecord[] records;
    private LiveRow[] rows;

    RemovedRecords(LiveRecord[] records) {
        this.records = records;
    }

    @Override
    public synchronized LiveRow get(int index) {
        if (rows == null) {
            rows = new LiveRow[records.length];
            for (int i = 0; i < records.length; i++) {
                rows[i] = records[i].toRow();
            }
        }
        return rows[index];
    }

    @Override
    public int size() {
        return records.length;
    }
}
