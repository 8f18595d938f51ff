-- The live set and the audit's held records, from one row per record to compact blobs.
-- A row per record costs H2 a B-tree update per record and index: a reap of a process
-- holding 100,000 buffers took seconds. Now a process's live set is a few segments, and a
-- reap deletes those and writes its held records in a few blobs. V4 moves the rows kept
-- until now into the new tables and drops the old ones.

-- Per process: its latest snapshot, then the changes of later commit windows, replayed in
-- seq order (see LiveSetCodec for the encoding of data).
CREATE TABLE live_segments (
    process_id BIGINT   NOT NULL,
    seq        BIGINT   NOT NULL,      -- increases with every segment written
    snapshot   BOOLEAN  NOT NULL,      -- starts a full copy: earlier segments are obsolete
    entries    INTEGER  NOT NULL,
    encoding   SMALLINT NOT NULL,
    data       BYTEA    NOT NULL,
    PRIMARY KEY (process_id, seq)
);

-- What each reaped process held, in parts of at most 65,536 records.
CREATE TABLE reap_holdings (
    reap_id  BIGINT   NOT NULL REFERENCES reaps (id) ON DELETE CASCADE,
    part     INTEGER  NOT NULL,
    entries  INTEGER  NOT NULL,
    encoding SMALLINT NOT NULL,
    data     BYTEA    NOT NULL,
    PRIMARY KEY (reap_id, part)
);

-- Per reap, per device and kind: the figures a post-mortem asks first. Was a view over
-- the held rows; now written with the reap.
DROP VIEW reap_totals;
CREATE TABLE reap_totals (
    reap_id   BIGINT      NOT NULL REFERENCES reaps (id) ON DELETE CASCADE,
    device_id INTEGER     NOT NULL,
    kind      VARCHAR(8)  NOT NULL,
    type      VARCHAR(16) NOT NULL,
    records   BIGINT      NOT NULL,
    bytes     BIGINT      NOT NULL,
    PRIMARY KEY (reap_id, device_id, kind, type)
);
INSERT INTO reap_totals (reap_id, device_id, kind, type, records, bytes)
    SELECT reap_id, device_id, kind, type, COUNT(*), SUM(size)
    FROM reaped_allocations
    GROUP BY reap_id, device_id, kind, type;
