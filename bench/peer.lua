-- The queries of the PostGraphile comparison, for TARGET=salarygraph or TARGET=postgraphile,
-- asking each server for the same rows. QUERY: nested (10 roles with 10 postings each) or
-- postings (one role's remote postings, 20 a page, with totalCount; ROLE_ID is that role's
-- id, which PostGraphile's condition needs).
local role_id = os.getenv("ROLE_ID") or "1"
local bodies = {
  salarygraph = {
    nested = '{"query":"{ roles(first: 10) { nodes { slug postings(first: 10) { nodes { company salaryMin } } } } }"}',
    postings = '{"query":"{ postings(filter: { role: \\"llm-engineer\\", remote: true }, first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { title company metro salaryMin salaryMax postedAt } } }"}',
  },
  postgraphile = {
    nested = '{"query":"{ allRoles(first: 10, orderBy: PRIMARY_KEY_ASC) { nodes { slug postingsByRoleId(first: 10, orderBy: PRIMARY_KEY_ASC) { nodes { company salaryMin } } } } }"}',
    postings = '{"query":"{ allPostings(first: 20, orderBy: PRIMARY_KEY_ASC, condition: { roleId: ' .. role_id .. ', remote: true }) { totalCount pageInfo { hasNextPage endCursor } nodes { title company metro salaryMin salaryMax postedAt } } }"}',
  },
}

local target = assert(bodies[os.getenv("TARGET") or "salarygraph"], "TARGET must be salarygraph or postgraphile")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = assert(target[os.getenv("QUERY") or "nested"], "QUERY must be nested or postings")

dofile("count_errors.lua")
