-- High-water marks, kept by the daemon as events arrive (no history is read for them).
-- A process's: the most it held at once (peak_bytes, first reached at peak_at), and per
-- device, kind and type in process_peaks. Kernels count per device as one group, type ALL.
-- NULL for processes that never held anything, and for those ended before this version.
ALTER TABLE processes ADD COLUMN peak_bytes BIGINT;
ALTER TABLE processes ADD COLUMN peak_at TIMESTAMP WITH TIME ZONE;
CREATE TABLE process_peaks (
    process_id BIGINT      NOT NULL,
    device_id  INTEGER     NOT NULL,
    kind       VARCHAR(8)  NOT NULL,
    type       VARCHAR(16) NOT NULL,
    peak_bytes BIGINT      NOT NULL,
    peak_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (process_id, device_id, kind, type)
);
-- The audit keeps the reaped process's peak (its detail stays in process_peaks, pruned with
-- the process).
ALTER TABLE reaps ADD COLUMN peak_bytes BIGINT;
ALTER TABLE reaps ADD COLUMN peak_at TIMESTAMP WITH TIME ZONE;
-- A device's: per commit window in which any total changed, per device, kind and type that
-- held anything, the peak over all processes within the window and the level at its end.
-- tracker stats --since/--until reads the windows of a span by the index, and the level the
-- span started from in the last window before it.
CREATE TABLE device_peaks (
    window_start TIMESTAMP WITH TIME ZONE NOT NULL,
    device_id    INTEGER     NOT NULL,
    kind         VARCHAR(8)  NOT NULL,
    type         VARCHAR(16) NOT NULL,
    peak_bytes   BIGINT      NOT NULL,
    peak_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    end_bytes    BIGINT      NOT NULL
);
CREATE INDEX device_peaks_time ON device_peaks (window_start);
-- The same per hour (hour_start in UTC, by window_start): the peak of its windows. A span's
-- whole hours are read here and only its ragged ends from device_peaks, so a month is a few
-- hundred rows per device, kind and type, not millions of windows.
CREATE TABLE device_peaks_hourly (
    hour_start TIMESTAMP WITH TIME ZONE NOT NULL,
    device_id  INTEGER     NOT NULL,
    kind       VARCHAR(8)  NOT NULL,
    type       VARCHAR(16) NOT NULL,
    peak_bytes BIGINT      NOT NULL,
    peak_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (hour_start, device_id, kind, type)
);
