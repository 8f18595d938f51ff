package tracker.store;

import org.h2.api.TableEngine;
import org.h2.command.ddl.CreateTableData;
import org.h2.table.Table;

/**
 * H2's table engine for {@code allocations} and {@code reaped_allocations}: the live set and
 * the audit's held records, decoded from their blobs, as tables H2 scans in place. As views over
 * table functions they were materialised by H2 at every evaluation, and in a join H2 evaluates
 * the inner side again for each outer row (it never runs a view lazily inside a join): a
 * self-join of 100,000 live records copied 100,000 rows per outer row, through a temporary
 * store beyond H2's in-memory result limit, and the garbage stalled the daemon in the
 * collector. A table of this engine hands each scan the rows decoded once per snapshot.
 *
 * <p>Declared as {@code CREATE TABLE ... ENGINE "tracker.store.RecordRowsEngine" WITH "live"}
 * (or {@code "reaped"}); see migration V11.
 */
public final class RecordRowsEngine implements TableEngine {

    @Override
    public Table createTable(CreateTableData data) {
        String which = data.tableEngineParams == null || data.tableEngineParams.isEmpty() ? ""
                : data.tableEngineParams.get(0);
        return new RecordRowsTable(data, RecordRowsTable.Source.of(which));
    }
}
