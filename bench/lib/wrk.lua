-- Loaded by every wrk run of bench/run.sh. The request comes from the environment (set from the scenario
-- file by run.sh); an optional scenario script is loaded after these defaults; done() prints one line of
-- JSON that run.sh records.

local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then
  wrk.method = method
end

local headers = os.getenv("BENCH_HEADERS")
if headers then
  for line in headers:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      wrk.headers[name] = value
    end
  end
end

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local file = assert(io.open(body_file, "rb"))
  wrk.body = file:read("*a")
  file:close()
end

local extra = os.getenv("BENCH_LUA")
if extra and extra ~= "" then
  dofile(extra)
end

-- Latency values are in microseconds. wrk counts an answer with status 400 or more as a status error.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"status_errors":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end
