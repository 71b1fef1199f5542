wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{\"query\": \"{ market { week totalOpenPositions roles { role { slug title } openPositions shareOfListingsPct } topSkills { skill postings pct } } }\"}"

-- Count non-200 answers and GraphQL errors so a fast error is never taken for speed.
local errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("graphql-errors: %d\n", errors))
end
