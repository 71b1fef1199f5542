wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{\"query\": \"{ role(slug: \\\"llm-engineer\\\") { title careerPath snapshot { week openPositions averageSalary medianSalary p75Salary remotePct experienceMix { entryPct midPct seniorPct } topSkills { skill pct } topMetros { name count } } trend(weeks: 12) { week openPositions medianSalary medianChangePct } } }\"}"

-- Count non-200 answers and GraphQL errors so a fast error is never taken for speed.
local errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("graphql-errors: %d\n", errors))
end
