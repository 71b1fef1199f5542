#!/usr/bin/env bash
# A realistic mix (bench/mixed.lua: role pages, comparisons, market, postings pages, 5%
# sign-ups) at 64 connections for SECONDS (default 60), while the server's resident memory
# is sampled every EVERY seconds (default 5). Nothing scrapes /metrics meanwhile: a soak
# run (600 s, every 30 s) shows whether memory stays flat without a scraper.
# Usage: bench/load-mixed.sh http://127.0.0.1:8000 SERVER_PID [SECONDS] [EVERY]
set -euo pipefail
url="${1:-http://127.0.0.1:8000}/graphql"
pid="${2:?the server process id, to sample its memory}"
seconds="${3:-60}"
every="${4:-5}"
here="$(dirname "$0")"
cd "$here"  # the wrk scripts load count_errors.lua from here
(for t in $(seq 0 "$every" "$seconds"); do
   printf 'rss_kb t=%ss %s\n' "$t" "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
   sleep "$every"
 done) &
sampler=$!
wrk -t2 -c64 -d"${seconds}s" --latency -s mixed.lua "$url" | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|graphql-errors|Non-2xx|Socket errors"
wait "$sampler"
