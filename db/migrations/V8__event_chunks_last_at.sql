-- tracker history reads the chunks that reach into a time from their end: which chunks
-- hold events at or after T is last_at >= T, and without this index that is a scan of the
-- whole history. It also serves prune (last_at < cutoff).
CREATE INDEX event_chunks_last_at ON event_chunks (last_at);
