-- A dashboard-like mix: role pages, comparisons, the market, postings pages (varying the
-- role and the page), and a few sign-ups with unique addresses.
local roles = { "llm-engineer", "data-scientist", "mlops-engineer", "computer-vision-engineer", "nlp-engineer", "ai-research-scientist" }
local role_q = '{"query":"query RolePage($slug: String!) { role(slug: $slug) { title careerPath snapshot { week openPositions averageSalary medianSalary p75Salary remotePct experienceMix { entryPct midPct seniorPct } topSkills { skill pct } topMetros { name count } } trend(weeks: 12) { week openPositions medianSalary medianChangePct } } }","operationName":"RolePage","variables":{"slug":"%s"}}'
local compare_q = '{"query":"query Compare($a: String!, $b: String!) { compareRoles(a: $a, b: $b) { week totalOpenPositions payPremiumPct salaryCeilingGap sharedSkills onlyA onlyB skillOverlapPct verdict a { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } b { shareOfListingsPct snapshot { openPositions medianSalary p75Salary } } } }","operationName":"Compare","variables":{"a":"%s","b":"%s"}}'
local market_q = '{"query":"query Market { market { week totalOpenPositions roles { role { slug title } openPositions shareOfListingsPct } topSkills { skill postings pct } } }","operationName":"Market"}'
local postings_q = '{"query":"query Postings($role: String!, $min: Int!) { postings(filter: { role: $role, remote: true, minSalary: $min }, first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { title company metro salaryMin salaryMax postedAt } } }","operationName":"Postings","variables":{"role":"%s","min":%d}}'
local subscribe_q = '{"query":"mutation SignUp($email: String!) { subscribe(email: $email, roles: [\\"llm-engineer\\"]) { ok message } }","operationName":"SignUp","variables":{"email":"%s"}}'

dofile("count_errors.lua")
local counter = 0
-- Addresses unique to this run too, so that every run signs up new addresses rather than
-- the previous run's again.
local run = os.time()

request = function()
  counter = counter + 1
  local pick = counter % 20
  local role = roles[(counter % #roles) + 1]
  local body
  if pick < 6 then
    body = string.format(role_q, role)
  elseif pick < 11 then
    body = string.format(compare_q, role, roles[((counter + 1) % #roles) + 1])
  elseif pick < 15 then
    body = market_q
  elseif pick < 19 then
    body = string.format(postings_q, role, 100000 + (counter % 5) * 20000)
  else
    body = string.format(subscribe_q, string.format("load-%d-%d-%d@bench.example", run, thread_id, counter))
  end
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end
