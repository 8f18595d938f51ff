-- The fleet store: one PostgreSQL database that many tracker daemons ship their records to.
-- Each host's local H2 file stays the source of truth; this is a copy, kept by the daemon's
-- shipper (tracker serve --ship-to). Every row carries its host, and its key is the host and
-- the id the row has in that host's file, so shipping a row twice writes it once.
-- Times are UTC; sizes are bytes; blobs (data) keep the local encoding (StoredBlob sealed,
-- EventChunkCodec / LiveSetCodec inside), so the tracker's own readers decode them as they are.
-- Migrations here are named F<n>__*.sql (not V): the local H2 database's Flyway scans
-- db/migrations with its subfolders and passes over them.

-- A daemon that ships, known by its name (--host-name, default the hostname) and the
-- machine's /etc/machine-id.
CREATE TABLE hosts (
    host_id          INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host_name        TEXT NOT NULL,
    machine_id       TEXT NOT NULL DEFAULT '',
    first_shipped_at TIMESTAMPTZ NOT NULL,
    last_shipped_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (host_name, machine_id)
);

-- Every client process a host saw (local: processes). Updated while the process lives
-- (last_seen, peak) and once more when it ends (ended_at, end_reason).
CREATE TABLE processes (
    host_id      INTEGER NOT NULL REFERENCES hosts (host_id),
    id           BIGINT  NOT NULL,
    pid          INTEGER,
    reported_pid INTEGER NOT NULL,
    start_ticks  BIGINT,
    boot_id      TEXT    NOT NULL,
    uid          INTEGER,
    command      TEXT    NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ,
    end_reason   TEXT,
    peak_bytes   BIGINT,
    peak_at      TIMESTAMPTZ,
    PRIMARY KEY (host_id, id)
);
CREATE INDEX processes_first_seen ON processes (first_seen);
CREATE INDEX processes_open ON processes (host_id) WHERE ended_at IS NULL;

-- Tags read from a process's environment (TRACKER_TAG_*, CI variables; local: process_tags).
CREATE TABLE process_tags (
    host_id    INTEGER NOT NULL,
    process_id BIGINT  NOT NULL,
    tag_key    TEXT    NOT NULL,
    tag_value  TEXT    NOT NULL,
    PRIMARY KEY (host_id, process_id, tag_key),
    FOREIGN KEY (host_id, process_id) REFERENCES processes (host_id, id) ON DELETE CASCADE
);
CREATE INDEX process_tags_key_value ON process_tags (tag_key, tag_value);

-- A process's high-water marks per device, kind and type (local: process_peaks).
CREATE TABLE process_peaks (
    host_id    INTEGER NOT NULL,
    process_id BIGINT  NOT NULL,
    device_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    peak_bytes BIGINT  NOT NULL,
    peak_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (host_id, process_id, device_id, kind, type),
    FOREIGN KEY (host_id, process_id) REFERENCES processes (host_id, id) ON DELETE CASCADE
);

-- The audit: one row per process that died holding device memory (local: reaps). Every
-- row is a leak; buffer_bytes + cb_bytes + kernel_bytes is what it leaked.
CREATE TABLE reaps (
    host_id      INTEGER NOT NULL REFERENCES hosts (host_id),
    id           BIGINT  NOT NULL,
    process_id   BIGINT  NOT NULL,
    pid          INTEGER,
    reported_pid INTEGER NOT NULL,
    start_ticks  BIGINT,
    uid          INTEGER,
    command      TEXT    NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    reaped_at    TIMESTAMPTZ NOT NULL,
    reason       TEXT    NOT NULL,      -- EXITED, ZOMBIE, PID_REUSED, DEAD_AT_STARTUP
    buffers      INTEGER NOT NULL,
    buffer_bytes BIGINT  NOT NULL,
    cbs          INTEGER NOT NULL,
    cb_bytes     BIGINT  NOT NULL,
    kernels      INTEGER NOT NULL,
    kernel_bytes BIGINT  NOT NULL,
    peak_bytes   BIGINT,
    peak_at      TIMESTAMPTZ,
    PRIMARY KEY (host_id, id)
);
CREATE INDEX reaps_time ON reaps (reaped_at);
CREATE INDEX reaps_process ON reaps (host_id, process_id);

-- Per reap, per device, kind and type: records and bytes held at death (local: reap_totals).
CREATE TABLE reap_totals (
    host_id   INTEGER NOT NULL,
    reap_id   BIGINT  NOT NULL,
    device_id INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    records   BIGINT  NOT NULL,
    bytes     BIGINT  NOT NULL,
    PRIMARY KEY (host_id, reap_id, device_id, kind, type),
    FOREIGN KEY (host_id, reap_id) REFERENCES reaps (host_id, id) ON DELETE CASCADE
);

-- The records each reaped process held, in parts (local: reap_holdings; LiveSetCodec).
CREATE TABLE reap_holdings (
    host_id  INTEGER  NOT NULL,
    reap_id  BIGINT   NOT NULL,
    part     INTEGER  NOT NULL,
    entries  INTEGER  NOT NULL,
    encoding SMALLINT NOT NULL,
    data     BYTEA    NOT NULL,
    PRIMARY KEY (host_id, reap_id, part),
    FOREIGN KEY (host_id, reap_id) REFERENCES reaps (host_id, id) ON DELETE CASCADE
);

-- The history: one row per process per commit window (local: event_chunks; EventChunkCodec).
-- SUM(event_count) over a host equals the local events, less what either side pruned.
CREATE TABLE event_chunks (
    host_id     INTEGER  NOT NULL REFERENCES hosts (host_id),
    id          BIGINT   NOT NULL,
    process_id  BIGINT   NOT NULL,
    pid         INTEGER,
    first_at    TIMESTAMPTZ NOT NULL,
    last_at     TIMESTAMPTZ NOT NULL,
    event_count INTEGER  NOT NULL,
    encoding    SMALLINT NOT NULL,
    data        BYTEA    NOT NULL,
    PRIMARY KEY (host_id, id)
);
CREATE INDEX event_chunks_process ON event_chunks (host_id, process_id);
CREATE INDEX event_chunks_time ON event_chunks (first_at);

-- What each live process holds now (local: live_segments; LiveSetCodec): a snapshot, then
-- the changes after it, in seq order. Kept equal to the host's segments as they change;
-- a process's segments go when it ends.
CREATE TABLE live_segments (
    host_id    INTEGER  NOT NULL REFERENCES hosts (host_id),
    process_id BIGINT   NOT NULL,
    seq        BIGINT   NOT NULL,
    snapshot   BOOLEAN  NOT NULL,
    entries    INTEGER  NOT NULL,
    encoding   SMALLINT NOT NULL,
    data       BYTEA    NOT NULL,
    PRIMARY KEY (host_id, process_id, seq)
);

-- Device usage per minute (UTC) per device, kind and type: the peak over all processes
-- within the minute (from the local device_peaks windows).
CREATE TABLE usage_minutes (
    host_id    INTEGER NOT NULL REFERENCES hosts (host_id),
    minute     TIMESTAMPTZ NOT NULL,
    device_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL,       -- BUFFER, CB, KERNEL
    type       TEXT    NOT NULL,       -- DRAM, L1, ... (for kernels: ALL)
    peak_bytes BIGINT  NOT NULL,
    peak_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (host_id, minute, device_id, kind, type)
);
CREATE INDEX usage_minutes_time ON usage_minutes (minute);

-- How far each host's shipper got, per local table: written in the transaction that ships
-- the rows, so a restart resumes exactly after the last committed shipment.
--   event_chunks, reaps, processes: the highest local id shipped (ids only grow)
--   usage_minutes: the start of the last minute shipped, in microseconds since the epoch
CREATE TABLE ship_marks (
    host_id    INTEGER NOT NULL REFERENCES hosts (host_id),
    table_name TEXT    NOT NULL,
    shipped    BIGINT  NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (host_id, table_name)
);
