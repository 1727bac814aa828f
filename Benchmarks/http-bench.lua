-- wrk script of P5 and P6 (Benchmarks/http-bench.sh): keep-alive POSTs of JSON events.
--   wrk ... -s http-bench.lua URL -- single        one ~200-byte event, application/json
--   wrk ... -s http-bench.lua URL -- ndjson 100    100 such events, application/x-ndjson
-- The body is built once per thread; done() prints one machine-readable summary line.

local function event(i)
  return string.format(
    '{"source":"server%d","host":"web-%02d.example.internal","event_type":"page_view","user_id":"user%d",' ..
    '"value":%d.5,"timestamp":"2026-11-25T14:00:%02d.123Z","data":{"page":"/checkout","latency_ms":87,"status":200}}',
    i % 10 + 1, i % 10 + 1, i % 1000, (i * 37) % 100, i % 60)
end

function init(args)
  local mode, count = args[1] or "single", tonumber(args[2] or "100")
  wrk.method = "POST"
  if mode == "ndjson" then
    local lines = {}
    for i = 1, count do lines[i] = event(i) end
    wrk.headers["Content-Type"] = "application/x-ndjson"
    wrk.body = table.concat(lines, "\n") .. "\n"
  else
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = event(1)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
