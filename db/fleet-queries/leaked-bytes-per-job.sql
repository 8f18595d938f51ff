-- Leaked bytes per CI job (the tag GITHUB_JOB) over the last 7 days, every host together.
SELECT t.tag_value AS job,
       COUNT(*) AS leaks,
       SUM(r.buffer_bytes + r.cb_bytes + r.kernel_bytes) AS leaked_bytes
FROM reaps r
JOIN process_tags t ON t.host_id = r.host_id AND t.process_id = r.process_id AND t.tag_key = 'GITHUB_JOB'
WHERE r.reaped_at >= now() - interval '7 days'
GROUP BY t.tag_value
ORDER BY leaked_bytes DESC;
