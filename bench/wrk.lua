-- One wrk script for every benchmarked request. Settings come from the environment:
--   BENCH_METHOD (GET), BENCH_TOKEN (adds "Authorization: Bearer ..."; several, comma-separated,
--   are taken in turns, one per request), BENCH_BODY (a JSON body),
--   BENCH_IF_NONE_MATCH (adds "If-None-Match: ..."; a conditional GET that answers 304).
-- (The half-load runs use bench/pace.py: wrk 4 has no fixed-rate mode.)
-- done() prints one JSON line that bench/drive.py reads: requests, seconds, errors and latency
-- percentiles in microseconds.
local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")
local body = os.getenv("BENCH_BODY")
local if_none_match = os.getenv("BENCH_IF_NONE_MATCH")

wrk.method = method
local tokens = {}
for each in string.gmatch(token or "", "[^,]+") do
  tokens[#tokens + 1] = each
end
if #tokens >= 1 then
  wrk.headers["Authorization"] = "Bearer " .. tokens[1]
end
if #tokens > 1 then
  local turn = 0
  function request()
    turn = turn % #tokens + 1
    wrk.headers["Authorization"] = "Bearer " .. tokens[turn]
    return wrk.format()
  end
end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

if if_none_match and if_none_match ~= "" then
  wrk.headers["If-None-Match"] = if_none_match
end

function done(summary, latency, requests)
  local p = {}
  for _, q in ipairs({ 50, 90, 99, 99.9 }) do
    p[#p + 1] = string.format('"%s":%d', tostring(q), latency:percentile(q))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d},"latency_us":{"mean":%.1f,"max":%d,%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, table.concat(p, ",")))
end
