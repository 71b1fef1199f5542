-- Shared by the wrk scripts (loaded with dofile, so wrk runs from this folder): counts
-- non-200 answers and GraphQL errors in every thread, so that a fast error is never taken
-- for speed, and prints their sum.
errors = 0
thread_id = 0
local threads = {}

setup = function(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end

done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("graphql-errors: %d\n", total))
end
