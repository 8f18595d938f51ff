-- 1 while a daemon runs, 0 after it stopped cleanly: a daemon that finds 1 at start knows
-- the previous one was killed or crashed, and that its last commit window may be missing.
INSERT INTO counters (name, total) VALUES ('daemon_running', 0);
