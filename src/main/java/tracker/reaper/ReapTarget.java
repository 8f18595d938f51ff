package tracker.reaper;

import java.util.List;
import java.util.Map;
import tracker.store.ProcessRow;
import tracker.store.ReapRecord;

/**
 * Where the reaper finds processes and removes their records: the running daemon's ledger,
 * or the database file when no daemon runs.
 */
public interface ReapTarget {

    /** Processes that own at least one live record now. */
    List<ProcessRow> processesHoldingRecords();

    /**
     * Removes every live record of each process and writes its audit record, atomically per
     * process; returns once all are committed.
     *
     * @return the audit records, one per process that still held something
     */
    List<ReapRecord> reap(Map<ProcessRow, ReapReason> dead);
}
