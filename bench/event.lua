-- wrk: POST beacons as many visitors (X-Forwarded-For is not trusted by the
-- benchmark server, so visitors differ by user agent), and count statuses.
local counter = 0
local statuses = {}
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.body = '{"n":"pageview","u":"https://bench.example/pricing?utm_source=wrk","d":"bench.example","r":"https://www.google.com/"}'

request = function()
  counter = counter + 1
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0." .. (counter % 5000) .. " Safari/537.36"
  return wrk.format()
end

response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

-- Throttling for the "half rate" run: each connection waits DELAY_MS.
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
if delay_ms > 0 then
  delay = function() return delay_ms end
end

done = function(summary, latency, requests)
  io.write(string.format("ACCEPTED_202 %d\n", summary.requests - summary.errors.status))
end
