-- wrk-pace.lua: wrk (not wrk2) paced to about RATE requests per second over CONNS
-- connections with delay(), the way wrk users approximate a fixed rate. Latency is timed
-- from each send, so a stall delays the sends that should have happened meanwhile
-- (coordinated omission); wrk 4 then adds synthetic values to its histogram to make up
-- for it. done() prints the numbers the stall test compares (ms).
local rate = tonumber(os.getenv("RATE") or "1000")
local conns = tonumber(os.getenv("CONNS") or "10")

function delay()
  return 1000 * conns / rate
end

function done(summary, latency, requests)
  io.write(string.format("stats requests=%d mean=%.3f p50=%.3f p90=%.3f p95=%.3f p99=%.3f max=%.3f\n",
    summary.requests, latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
