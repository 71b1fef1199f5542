#!/usr/bin/env bash
# A realistic mix (bench/mixed.lua: role pages, comparisons, market, postings pages, 5%
# sign-ups) for 60 s at 64 connections, while the server's resident memory is sampled every
# 5 s. Usage: bench/load-mixed.sh http://127.0.0.1:8000 SERVER_PID
set -euo pipefail
url="${1:-http://127.0.0.1:8000}/graphql"
pid="${2:?the server process id, to sample its memory}"
here="$(dirname "$0")"
cd "$here"  # the wrk scripts load count_errors.lua from here
(for _ in $(seq 0 5 60); do
   printf 'rss_kb %s\n' "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
   sleep 5
 done) &
sampler=$!
wrk -t2 -c64 -d60s --latency -s mixed.lua "$url" | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|graphql-errors|Non-2xx|Socket errors"
wait "$sampler"
