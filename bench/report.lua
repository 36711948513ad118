-- Shared by every scenario: print one line of figures after the run, and count the
-- answers by status class so errors are visible (wrk counts only socket errors itself).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, bad, created, bad_status = 0, 0, 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 400 then ok = ok + 1 else bad = bad + 1; bad_status = status end
  if status == 201 then created = created + 1 end
end

function done(summary, latency, requests)
  local good, failed, made, last_bad = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok"); failed = failed + t:get("bad"); made = made + t:get("created")
    if t:get("bad_status") ~= 0 then last_bad = t:get("bad_status") end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d socket_errors=%d created=%d bad_status=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, failed, socket, made, last_bad))
end
