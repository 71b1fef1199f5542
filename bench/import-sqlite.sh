#!/usr/bin/env bash
# `salarygraph import` of a file into a fresh SQLite database, for each build given, the
# builds taking turns ROUNDS times (this machine's speed drifts within minutes). Each
# database starts with the demo's roles and skills and no postings.
# Usage: bench/import-sqlite.sh FILE.csv ROUNDS BINARY...
# (FILE.csv from bench/gen_postings.py N FILE.csv)
set -euo pipefail
file="${1:?the CSV file to import}"
rounds="${2:?how many rounds}"
shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    db="$work/import.db"
    rm -f "$db" "$db-wal" "$db-shm"
    DATABASE_URL="sqlite://$db?mode=rwc" DEMO_DATA=false "$bin" demo --postings 8 >/dev/null 2>&1
    python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM posting_skill'); c.execute('DELETE FROM posting'); c.commit()" "$db"
    start=$(date +%s.%N)
    DATABASE_URL="sqlite://$db?mode=rwc" "$bin" import "$file" >/dev/null 2>&1
    end=$(date +%s.%N)
    awk -v b="$bin" -v r="$round" -v s="$start" -v e="$end" 'BEGIN { printf "%s round %d: %.2f s\n", b, r, e - s }'
  done
done
