-- Daily DRAM peak per host (UTC days): the most DRAM buffers held at once on any one device.
SELECT h.host_name,
       date_trunc('day', u.minute AT TIME ZONE 'UTC') AS day,
       MAX(u.peak_bytes) AS dram_peak_bytes
FROM usage_minutes u
JOIN hosts h ON h.host_id = u.host_id
WHERE u.kind = 'BUFFER' AND u.type = 'DRAM'
GROUP BY h.host_name, day
ORDER BY day, h.host_name;
