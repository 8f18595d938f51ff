-- Who a process belongs to: the tags read from its environment when the daemon first saw it
-- (TRACKER_TAG_<KEY>=<value> and a fixed list of CI variables; see README "Tags"). At most
-- 32 per process, key and value at most 256 bytes each. Written with the process's row,
-- deleted with it by prune. Indexed by key and value: --tag KEY=VALUE finds its processes
-- without reading the others'.
CREATE TABLE process_tags (
    process_id BIGINT       NOT NULL,
    tag_key    VARCHAR(256) NOT NULL,
    tag_value  VARCHAR(256) NOT NULL,
    PRIMARY KEY (process_id, tag_key)
);
CREATE INDEX process_tags_key_value ON process_tags (tag_key, tag_value);
