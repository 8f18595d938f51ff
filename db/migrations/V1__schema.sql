-- The tracker's schema. Written in SQL that H2 and PostgreSQL both accept.
-- Times are TIMESTAMP WITH TIME ZONE (stored in UTC); u64 wire values (buffer ids,
-- sizes) are BIGINT holding the same 64 bits.

-- Every client process ever seen. A process is (pid, start_ticks) within one boot:
-- a reused pid is a new row.
CREATE TABLE processes (
    id           BIGINT PRIMARY KEY,
    pid          INTEGER,                 -- pid in the tracker's namespace; NULL when unresolved
    reported_pid INTEGER NOT NULL,        -- pid as the client wrote it (differs in containers)
    start_ticks  BIGINT,                  -- field 22 of /proc/<pid>/stat; NULL when unresolved
    boot_id      VARCHAR(64) NOT NULL,
    uid          INTEGER,
    command      VARCHAR(4096) NOT NULL,
    first_seen   TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen    TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at     TIMESTAMP WITH TIME ZONE,
    end_reason   VARCHAR(32)
);
CREATE INDEX processes_pid ON processes (pid);

-- The live set: what every process holds now. kind separates the three namespaces
-- (BUFFER, CB, KERNEL); type is the memory kind (DRAM, L1, SYSTEM_MEMORY, L1_SMALL,
-- TRACE) or, for kernels, the kernel type (APPLICATION, FABRIC, DISPATCH).
CREATE TABLE allocations (
    kind         VARCHAR(8)  NOT NULL,
    device_id    INTEGER     NOT NULL,
    buffer_id    BIGINT      NOT NULL,
    type         VARCHAR(16) NOT NULL,
    size         BIGINT      NOT NULL,
    ref_count    INTEGER     NOT NULL,
    process_id   BIGINT      NOT NULL REFERENCES processes (id),
    allocated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (kind, device_id, buffer_id)
);
CREATE INDEX allocations_owner ON allocations (process_id);

-- The history, kept compactly: one row per process per commit window, holding that
-- window's events encoded in data (see EventChunkCodec). tracker history decodes them.
CREATE TABLE event_chunks (
    id          BIGINT PRIMARY KEY,
    process_id  BIGINT  NOT NULL,
    pid         INTEGER,
    first_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    event_count INTEGER NOT NULL,
    encoding    SMALLINT NOT NULL,
    data        BYTEA   NOT NULL
);
CREATE INDEX event_chunks_pid_time ON event_chunks (pid, first_at);
CREATE INDEX event_chunks_time ON event_chunks (first_at);

-- The audit trail: one row per reaped process, written in the transaction that
-- deleted its live rows.
CREATE TABLE reaps (
    id           BIGINT PRIMARY KEY,
    process_id   BIGINT  NOT NULL,
    pid          INTEGER,
    reported_pid INTEGER NOT NULL,
    start_ticks  BIGINT,
    uid          INTEGER,
    command      VARCHAR(4096) NOT NULL,
    first_seen   TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen    TIMESTAMP WITH TIME ZONE NOT NULL,
    reaped_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    reason       VARCHAR(32) NOT NULL,      -- EXITED, ZOMBIE, PID_REUSED, DEAD_AT_STARTUP
    buffers      INTEGER NOT NULL,
    buffer_bytes BIGINT  NOT NULL,
    cbs          INTEGER NOT NULL,
    cb_bytes     BIGINT  NOT NULL,
    kernels      INTEGER NOT NULL,
    kernel_bytes BIGINT  NOT NULL
);
CREATE INDEX reaps_pid ON reaps (pid);
CREATE INDEX reaps_time ON reaps (reaped_at);

-- What each reaped process held when it died.
CREATE TABLE reaped_allocations (
    reap_id      BIGINT      NOT NULL REFERENCES reaps (id) ON DELETE CASCADE,
    kind         VARCHAR(8)  NOT NULL,
    device_id    INTEGER     NOT NULL,
    buffer_id    BIGINT      NOT NULL,
    type         VARCHAR(16) NOT NULL,
    size         BIGINT      NOT NULL,
    ref_count    INTEGER     NOT NULL,
    allocated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX reaped_allocations_reap ON reaped_allocations (reap_id);

-- Per reap, per device and kind: the figures a post-mortem asks first.
CREATE VIEW reap_totals AS
    SELECT reap_id, device_id, kind, type, COUNT(*) AS records, SUM(size) AS bytes
    FROM reaped_allocations
    GROUP BY reap_id, device_id, kind, type;

-- Running totals the daemon keeps across restarts.
CREATE TABLE counters (
    name  VARCHAR(64) PRIMARY KEY,
    total BIGINT NOT NULL
);
INSERT INTO counters (name, total) VALUES ('events', 0);
INSERT INTO counters (name, total) VALUES ('malformed_frames', 0);
INSERT INTO counters (name, total) VALUES ('unknown_frees', 0);
INSERT INTO counters (name, total) VALUES ('refused_frees', 0);
INSERT INTO counters (name, total) VALUES ('dropped_history_events', 0);
