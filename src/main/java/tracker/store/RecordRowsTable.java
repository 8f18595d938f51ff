package tracker.store;

import java.sql.SQLException;
import java.util.ArrayList;
import org.h2.command.ddl.CreateTableData;
import org.h2.engine.SessionLocal;
import org.h2.index.Index;
import org.h2.index.IndexType;
import org.h2.message.DbException;
import org.h2.result.Row;
import org.h2.table.IndexColumn;
import org.h2.table.TableBase;
import org.h2.table.TableType;

/**
 * A read-only table whose rows are the records {@link SqlViews} decodes from the blobs, as the
 * session sees them (cached per snapshot by {@link ViewRowsCache}). Nothing can be written to
 * it; its one index is a scan.
 */
final class RecordRowsTable extends TableBase {

    /** Which records a table shows. */
    enum Source {
        LIVE, REAPED;

        static Source of(String name) {
            return switch (name) {
                case "live" -> LIVE;
                case "reaped" -> REAPED;
                default -> throw DbException.getUnsupportedException("RecordRowsEngine WITH \"" + name
                        + "\" (live or reaped)");
            };
        }
    }

    private final Source source;
    private final RecordRowsIndex scan;

    RecordRowsTable(CreateTableData data, Source source) {
        super(data);
        this.source = source;
        this.scan = new RecordRowsIndex(this, IndexColumn.wrap(getColumns()));
    }

    /** The rows as {@code session} sees them now, shared by every scan of its snapshot; read only. */
    Row[] rows(SessionLocal session) {
        try {
            java.sql.Connection connection = session.createConnection(false);
            return source == Source.LIVE ? SqlViews.liveTableRows(connection) : SqlViews.reapedTableRows(connection);
        } catch (SQLException e) {
            throw DbException.convert(e);
        }
    }

    @Override
    public Index getScanIndex(SessionLocal session) {
        return scan;
    }

    @Override
    public ArrayList<Index> getIndexes() {
        ArrayList<Index> indexes = new ArrayList<>(1);
        indexes.add(scan);
        return indexes;
    }

    @Override
    public TableType getTableType() {
        return TableType.EXTERNAL_TABLE_ENGINE;
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }

    @Override
    public long getMaxDataModificationId() {
        // the rows follow the tables they are decoded from: never reuse a result
        return Long.MAX_VALUE;
    }

    @Override
    public boolean canGetRowCount(SessionLocal session) {
        return false;
    }

    @Override
    public long getRowCount(SessionLocal session) {
        return rows(session).length;
    }

    @Override
    public long getRowCountApproximation(SessionLocal session) {
        return database.getSettings().estimatedFunctionTableRows;
    }

    @Override
    public boolean canDrop() {
        return true;
    }

    @Override
    public boolean isInsertable() {
        return false;
    }

    @Override
    public Index addIndex(SessionLocal session, String indexName, int indexId, IndexColumn[] cols,
                          int uniqueColumnCount, IndexType indexType, boolean create, String indexComment) {
        throw readOnly();
    }

    @Override
    public void removeRow(SessionLocal session, Row row) {
        throw readOnly();
    }

    @Override
    public void addRow(SessionLocal session, Row row) {
        throw readOnly();
    }

    @Override
    public long truncate(SessionLocal session) {
        throw readOnly();
    }

    @Override
    public void checkSupportAlter() {
        throw readOnly();
    }

    @Override
    public void close(SessionLocal session) {
        // nothing held
    }

    private DbException readOnly() {
        return DbException.getUnsupportedException(getName() + " shows records decoded from the tracker's tables;"
                + " it cannot be changed");
    }
}
