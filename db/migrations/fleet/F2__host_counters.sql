-- Per host: the local database's running counters (events, malformed_frames, unknown_frees,
-- ...; see the local counters table), overwritten by the shipper as they change, so that
-- figures no row can give are known across the fleet too.
CREATE TABLE host_counters (
    host_id INTEGER NOT NULL REFERENCES hosts (host_id),
    name    TEXT    NOT NULL,
    total   BIGINT  NOT NULL,
    PRIMARY KEY (host_id, name)
);
-- The time of the newest local state the store holds whole (the host's clock): now minus this
-- is the host's ship lag. Written with every shipment, and at most once a second while there
-- is nothing new. last_shipped_at stays the time rows were last written.
ALTER TABLE hosts ADD COLUMN caught_up_at TIMESTAMPTZ;
