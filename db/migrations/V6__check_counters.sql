-- Counters that let 'tracker check' and a restart hold the database to account:
-- commit_seq: the number of the last commit the daemon wrote; the daemon also keeps it in a
--   small file beside the database, so a file that opens at an older state (truncated, or a
--   backup restored over a newer one) is noticed instead of being taken for the truth.
-- pruned_events: history events removed by prune, so that the events counter still adds
--   up against the history that is left.
INSERT INTO counters (name, total) VALUES ('commit_seq', 0);
INSERT INTO counters (name, total) VALUES ('pruned_events', 0);
