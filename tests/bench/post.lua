-- SPDX-License-Identifier: MIT
-- wrk script: POST /api/assets with a distinct body per request, and
-- count the 201s, and with BENCH_IDS=DIR write the id of each 201 to a
-- file there, so scripts/bench can check them against the log.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  created = 0
  other = 0
  local dir = os.getenv("BENCH_IDS")
  if dir then
    ids = io.open(string.format("%s/ids-%d-%d.txt", dir, tid, os.time()),
                  "a")
  end
end

function request()
  n = n + 1
  local body = string.format(
    '{"employee_name":"Bench User %d-%d","employee_email":' ..
    '"user%d.%d@example.com","asset_type":"laptop",' ..
    '"asset_model":"ThinkPad X1 Carbon Gen 11","comments":"bench"}',
    tid, n, tid, n)
  return wrk.format("POST", "/api/assets",
                    {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    if ids then
      ids:write(string.match(body, '"id":(%d+)'), "\n")
    end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
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
