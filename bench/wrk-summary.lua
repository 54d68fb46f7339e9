-- wrk script: plain GETs, and one JSON line with the totals at the end (parsed by bench.py).
-- Latency here is wrk's closed-loop latency (no coordinated-omission correction); the benchmark
-- uses wrk only for saturation throughput and takes latency from the fixed-rate loader.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "err_connect": %d, "err_read": %d, '
    .. '"err_write": %d, "err_status": %d, "err_timeout": %d, "lat_p50_us": %d, "lat_p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
