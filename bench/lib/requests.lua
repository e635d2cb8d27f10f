-- wrk script: replays prepared requests, one per line of the file given after "--":
--   METHOD <tab> PATH <tab> BEARER TOKEN <tab> X-FORWARDED-FOR <tab> JSON BODY
-- (empty fields are left out). Threads take interleaved lines, so no request is sent twice
-- unless the file runs out (counted as "wrapped"). Prints one line "WRKJSON {...}" at the end.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   prepared = {}
   local file = assert(io.open(args[1], "r"))
   for line in file:lines() do
      local method, path, token, client, body =
         line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      if client ~= "" then headers["X-Forwarded-For"] = client end
      if body ~= "" then
         headers["Content-Type"] = "application/json"
      else
         body = nil
      end
      table.insert(prepared, wrk.format(method, path, headers, body))
   end
   file:close()
   step = tonumber(args[2]) or 1
   index = id + 1 - step
   wrapped = 0
   statuses = {}
end

function request()
   index = index + step
   if index > #prepared then
      index = (index - 1) % #prepared + 1
      wrapped = wrapped + 1
   end
   return prepared[index]
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
   local total, wraps = {}, 0
   for _, thread in ipairs(threads) do
      for code, count in pairs(thread:get("statuses")) do
         total[code] = (total[code] or 0) + count
      end
      wraps = wraps + thread:get("wrapped")
   end
   local parts = {}
   for code, count in pairs(total) do
      table.insert(parts, string.format('"%s": %d', code, count))
   end
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d, "wrapped": %d, "p50": %d, "p90": %d, "p99": %d, ' ..
      '"p999": %d, "max": %d, "mean": %.1f, "statuses": {%s}}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      wraps, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean, table.concat(parts, ", ")))
end
