-- The commands that leak most often, across hosts.
SELECT command,
       COUNT(*) AS leaks,
       COUNT(DISTINCT host_id) AS hosts,
       SUM(buffer_bytes + cb_bytes + kernel_bytes) AS leaked_bytes
FROM reaps
GROUP BY command
ORDER BY leaks DESC, leaked_bytes DESC
LIMIT 10;
