#!/usr/bin/env bash
# The dashboard's pages: each for 10 s on one connection (latency without queueing: the server
# time plus the loopback round trip, an upper bound of the server time), then 10 s at 16
# connections (throughput). Full answers every time: wrk sends no If-None-Match.
# Usage: bench/pages.sh http://127.0.0.1:8000
set -euo pipefail
base="${1:-http://127.0.0.1:8000}"
for path in / /roles/llm-engineer /roles/ai-architect "/roles/llm-engineer?remote=true&min_salary=150000" \
  /compare/ai-ml-engineer-vs-ai-architect /compare/llm-engineer-vs-data-scientist; do
  echo "== $path: 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$base$path" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  echo "== $path: 16 connections, 10 s"
  wrk -t2 -c16 -d10s --timeout 30s --latency "$base$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
  sleep 5  # requests still running must not weigh on the next page
done
