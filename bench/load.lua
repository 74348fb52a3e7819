-- wrk script for every benchmark request: `wrk ... -s load.lua URL -- METHOD PATH KIND [FILE]`
--   KIND "plain":  the same request every time
--   KIND "bearer": FILE holds access tokens, one a line, sent in turn as the bearer token
--   KIND "body":   FILE holds JSON bodies, one a line, POSTed in turn
--   KIND "cookie": FILE holds Cookie headers, one a line, sent in turn (a page session)
-- done() prints the figures as one JSON line, which bench/wrk.py reads.

local method, path, kind
local lines = {}
local turn = 0

function init(args)
  method, path, kind = args[1], args[2], args[3]
  if args[4] then
    for line in io.lines(args[4]) do
      lines[#lines + 1] = line
    end
  end
end

function request()
  local headers = {}
  local body = nil
  if kind ~= "plain" then
    turn = turn % #lines + 1
  end
  if kind == "bearer" then
    headers["Authorization"] = "Bearer " .. lines[turn]
  elseif kind == "cookie" then
    headers["Cookie"] = lines[turn]
  elseif kind == "body" then
    headers["Content-Type"] = "application/json"
    body = lines[turn]
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.connect, errors.read, errors.write, errors.timeout, errors.status
  ))
end
