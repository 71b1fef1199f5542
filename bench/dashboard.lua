-- One dashboard query, chosen by the QUERY environment variable (compare, role, market,
-- postings), sent over and over.
local bodies = {
  compare = "{\"query\": \"{ compareRoles(a: \\\"llm-engineer\\\", b: \\\"data-scientist\\\") { week totalOpenPositions payPremiumPct salaryCeilingGap sharedSkills onlyA onlyB skillOverlapPct verdict a { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } b { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } } }\"}",
  role = "{\"query\": \"{ role(slug: \\\"llm-engineer\\\") { title careerPath snapshot { week openPositions averageSalary medianSalary p75Salary remotePct experienceMix { entryPct midPct seniorPct } topSkills { skill pct } topMetros { name count } } trend(weeks: 12) { week openPositions medianSalary medianChangePct } } }\"}",
  market = "{\"query\": \"{ market { week totalOpenPositions roles { role { slug title } openPositions shareOfListingsPct } topSkills { skill postings pct } } }\"}",
  postings = "{\"query\": \"{ postings(filter: { role: \\\"llm-engineer\\\", remote: true, minSalary: 150000 }, first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { title company metro salaryMin salaryMax postedAt } } }\"}",
}

local query = os.getenv("QUERY") or "compare"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = assert(bodies[query], "QUERY must be compare, role, market or postings")

dofile("count_errors.lua")
