-- SPDX-License-Identifier: MIT
-- wrk script: GET a path with a random asset id from 1 to BENCH_MAX_ID
-- (BENCH_PATH, default /api/assets/%d), counting 200s and other replies.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
  max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1")
  path = os.getenv("BENCH_PATH") or "/api/assets/%d"
  math.randomseed(os.time() + tid)
end

function request()
  return wrk.format("GET", string.format(path, math.random(1, max_id)))
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("ok")
    o = o + t:get("other")
  end
  io.write(string.format(
    "BENCH rps=%.1f p50_us=%d p99_us=%d created=%d other=%d " ..
    "errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), c, o,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
