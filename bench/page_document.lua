-- One of the pages' published documents (api/queries/), POSTed to /graphql over and over, to
-- see what part of a page's time each document takes. DOC names the file, VARS its variables:
--   DOC=../api/queries/role.graphql VARS='{"slug":"llm-engineer"}' wrk -t1 -c1 -d10s -s page_document.lua URL/graphql
local file = assert(io.open(assert(os.getenv("DOC"), "DOC must name a .graphql file"), "r"))
local query = file:read("*a")
file:close()
local escaped = query:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query": "' .. escaped .. '", "variables": ' .. (os.getenv("VARS") or "{}") .. "}"

dofile("count_errors.lua")
