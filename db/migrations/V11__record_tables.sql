-- allocations and reaped_allocations: from views over table functions to tables of the tracker's
-- own H2 table engine (tracker.store.RecordRowsEngine), with the same columns and rows, decoded
-- from the blobs as before. H2 materialises a view at every evaluation, and in a join it evaluates
-- the inner side again for every outer row: a self-join of the live set copied the whole live
-- set per outer row. A table of the engine is scanned in place. Nothing is stored in them.
-- H2 only, as the views were.
DROP VIEW IF EXISTS allocations;
DROP VIEW IF EXISTS reaped_allocations;
CREATE TABLE allocations (
    kind         VARCHAR(8),
    device_id    INTEGER,
    buffer_id    BIGINT,
    type         VARCHAR(16),
    size         BIGINT,
    ref_count    INTEGER,
    process_id   BIGINT,
    allocated_at TIMESTAMP(6) WITH TIME ZONE
) ENGINE "tracker.store.RecordRowsEngine" WITH "live";
CREATE TABLE reaped_allocations (
    kind         VARCHAR(8),
    device_id    INTEGER,
    buffer_id    BIGINT,
    type         VARCHAR(16),
    size         BIGINT,
    ref_count    INTEGER,
    reap_id      BIGINT,
    allocated_at TIMESTAMP(6) WITH TIME ZONE
) ENGINE "tracker.store.RecordRowsEngine" WITH "reaped";
