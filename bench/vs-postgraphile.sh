#!/usr/bin/env bash
# salarygraph against PostGraphile v4 on the same PostgreSQL database, in one run: the
# nested roles→postings query and a postings page with totalCount, each for 10 s at 16
# connections, salarygraph with its response cache on and off, the three servers taking
# turns three times so that drift in the machine's speed hits all of them alike.
# Usage: bench/vs-postgraphile.sh DATABASE_URL POSTGRAPHILE_BIN SALARYGRAPH_BIN
# (PostGraphile is a peer for the benchmark only: install it in a scratch folder with
# `npm install postgraphile@4`; it is not a dependency.)
set -euo pipefail
db="${1:?DATABASE_URL}"; postgraphile="${2:?path to node_modules/.bin/postgraphile}"; salarygraph="${3:?salarygraph binary}"
here="$(cd "$(dirname "$0")" && pwd)"
log="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
DATABASE_URL="$db" DEMO_DATA=false BIND_ADDR=127.0.0.1:8101 RESPONSE_CACHE_MB=64 "$salarygraph" >"$log/on.log" 2>&1 & pids+=($!)
DATABASE_URL="$db" DEMO_DATA=false BIND_ADDR=127.0.0.1:8102 RESPONSE_CACHE_MB=0 "$salarygraph" >"$log/off.log" 2>&1 & pids+=($!)
"$postgraphile" -c "$db" --schema public --host 127.0.0.1 --port 5055 --disable-query-log >"$log/pg.log" 2>&1 & pids+=($!)
for port in 8101 8102 5055; do
  for _ in $(seq 1 60); do
    curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/graphql" && break
    sleep 1
  done
done
role_id="$(psql "$db" -Atc "SELECT id FROM role WHERE slug = 'llm-engineer'")"
cd "$here"
for query in nested postings; do
  for round in 1 2 3; do
    for server in "salarygraph-cache-on 8101 salarygraph" "salarygraph-cache-off 8102 salarygraph" "postgraphile-v4 5055 postgraphile"; do
      set -- $server
      printf '%s %s round %s: ' "$query" "$1" "$round"
      ROLE_ID="$role_id" TARGET="$3" QUERY="$query" wrk -t2 -c16 -d10s --latency -s peer.lua "http://127.0.0.1:$2/graphql" \
        | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /graphql-errors/ {err=$2} /Non-2xx/ {non=$4}
               END {printf "%s req/s, p50 %s, p99 %s, errors %s%s\n", rps, p50, p99, err, (non ? ", non-2xx " non : "")}'
    done
  done
done
