package tracker.store;

import org.h2.command.query.AllColumnsForPlan;
import org.h2.engine.SessionLocal;
import org.h2.index.Cursor;
import org.h2.index.Index;
import org.h2.index.IndexType;
import org.h2.message.DbException;
import org.h2.result.Row;
import org.h2.result.SearchRow;
import org.h2.result.SortOrder;
import org.h2.table.IndexColumn;
import org.h2.table.TableFilter;

/** The scan of a {@link RecordRowsTable}: every row, in the order decoded; no lookups. */
final class RecordRowsIndex extends Index {

    private final RecordRowsTable records;

    RecordRowsIndex(RecordRowsTable table, IndexColumn[] columns) {
        super(table, 0, table.getName() + "_SCAN", columns, 0, IndexType.createScan(false));
        this.records = table;
    }

    @Override
    public Cursor find(SessionLocal session, SearchRow first, SearchRow last, boolean reverse) {
        return new Scan(records.rows(session));
    }

    @Override
    public double getCost(SessionLocal session, int[] masks, TableFilter[] filters, int filter, SortOrder sortOrder,
                          AllColumnsForPlan allColumnsSet) {
        return 10.0 * records.getRowCountApproximation(session);
    }

    @Override
    public boolean isFindUsingFullTableScan() {
        return true;
    }

    @Override
    public String getPlanSQL() {
        return "scan";
    }

    @Override
    public void close(SessionLocal session) {
        // nothing held
    }

    @Override
    public void add(SessionLocal session, Row row) {
        throw DbException.getUnsupportedException(table.getName());
    }

    @Override
    public void remove(SessionLocal session, Row row) {
        throw DbException.getUnsupportedException(table.getName());
    }

    @Override
    public void remove(SessionLocal session) {
        // dropped with its table
    }

    @Override
    public void truncate(SessionLocal session) {
        throw DbException.getUnsupportedException(table.getName());
    }

    @Override
    public boolean needRebuild() {
        return false;
    }

    @Override
    public long getRowCount(SessionLocal session) {
        return records.getRowCount(session);
    }

    @Override
    public long getRowCountApproximation(SessionLocal session) {
        return records.getRowCountApproximation(session);
    }

    @Override
    public void checkRename() {
        throw DbException.getUnsupportedException(table.getName());
    }

    /** A cursor over the shared rows of a snapshot: nothing is made per row. */
    private static final class Scan implements Cursor {
        private final Row[] rows;
        private int next;
        private Row current;

        Scan(Row[] rows) {
            this.rows = rows;
        }

        @Override
        public Row get() {
            return current;
        }

        @Override
        public SearchRow getSearchRow() {
            return current;
        }

        @Override
        public boolean next() {
            current = next < rows.length ? rows[next++] : null;
            return current != null;
        }

        @Override
        public boolean previous() {
            throw DbException.getInternalError("a scan only goes forward");
        }
    }
}
