#!/usr/bin/env bash
# Dashboard load: each query for 30 s at 32 connections (throughput, p50, p99), then for
# 10 s on one connection (latency without queueing: the server time plus loopback).
# Usage: bench/load.sh http://127.0.0.1:8000
set -euo pipefail
url="${1:-http://127.0.0.1:8000}/graphql"
here="$(dirname "$0")"
cd "$here"  # the wrk scripts load count_errors.lua from here
for q in compare role market postings; do
  echo "== $q: 32 connections, 30 s"
  QUERY=$q wrk -t2 -c32 -d30s --latency -s dashboard.lua "$url" | grep -E "Requests/sec|50%|99%|graphql-errors|Non-2xx"
  echo "== $q: 1 connection, 10 s"
  QUERY=$q wrk -t1 -c1 -d10s --latency -s dashboard.lua "$url" | grep -E "Requests/sec|50%|99%|graphql-errors|Non-2xx"
done
