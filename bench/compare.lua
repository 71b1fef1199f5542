wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{\"query\": \"{ compareRoles(a: \\\"llm-engineer\\\", b: \\\"data-scientist\\\") { week totalOpenPositions payPremiumPct salaryCeilingGap sharedSkills onlyA onlyB skillOverlapPct verdict a { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } b { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } } }\"}"

-- Count non-200 answers and GraphQL errors so a fast error is never taken for speed.
local errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("graphql-errors: %d\n", errors))
end
