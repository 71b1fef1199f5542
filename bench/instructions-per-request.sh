#!/usr/bin/env bash
# User-space instructions the server spends on one request, counted by valgrind's callgrind:
# repeatable for the same binary and data whatever else the machine does, so two builds can
# be compared on a machine whose speed drifts. The server runs under callgrind with the
# response cache off; 50 requests warm it up, the counters are zeroed, 300 more are counted.
# Usage: bench/instructions-per-request.sh DATABASE_URL SALARYGRAPH_BIN [QUERY]
# (QUERY defaults to the nested roles→postings query of bench/peer.lua.)
set -euo pipefail
db="${1:?DATABASE_URL}"; bin="${2:?salarygraph binary}"
nested='{ roles(first: 10) { nodes { slug postings(first: 10) { nodes { company salaryMin } } } } }'
query="${3:-$nested}"
out="$(mktemp -d)"; port=8109
DATABASE_URL="$db" DEMO_DATA=false BIND_ADDR="127.0.0.1:$port" RESPONSE_CACHE_MB=0 RUST_LOG=warn \
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" >"$out/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/graphql" && break
  sleep 0.5
done
send() {
  QUERY="$query" python3 - "$1" "$port" <<'PY'
import http.client, json, os, sys
body = json.dumps({"query": os.environ["QUERY"]})
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]))
for _ in range(int(sys.argv[1])):
    conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
    answer = conn.getresponse().read()
    assert b'"errors"' not in answer, answer[:300]
PY
}
send 50
callgrind_control -z "$pid" >/dev/null 2>&1
send 300
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out"/cg.*.*)
echo "$(basename "$bin"): $((total / 300)) instructions per request"
