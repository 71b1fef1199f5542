#!/usr/bin/env bash
# `salarygraph import` of a CSV file into PostgreSQL, against the floor this machine allows:
# psql's COPY loading the same final rows (exported from the imported database) into empty
# copies of `posting` and `posting_skill` with the same indexes, keys and triggers, in the
# same run. Both start from a database holding the demo's roles and skills only.
# Usage: bench/import-vs-copy.sh postgres://postgres@127.0.0.1:5432 FILE.csv [BINARY]
# (FILE.csv from bench/gen_postings.py N FILE.csv; BINARY defaults to target/release/salarygraph)
set -euo pipefail
server="${1:?a PostgreSQL server URL without a database}"
file="${2:?the CSV file to import}"
bin="${3:-target/release/salarygraph}"
rows=$(($(wc -l <"$file") - 1))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fresh() { # a database with the schema, the demo's roles and skills, and no postings
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  DATABASE_URL="$server/$1" DEMO_DATA=false "$bin" demo --postings 8 >/dev/null
  psql "$server/$1" -qc "DELETE FROM posting_skill" -c "DELETE FROM posting" -c "VACUUM ANALYZE"
}

fresh imp_bench
echo "== salarygraph import: $rows rows"
/usr/bin/time -f "peak RSS %M KB, wall %e s" env DATABASE_URL="$server/imp_bench" "$bin" import "$file" || true

# The rows as the import left them, for COPY.
psql "$server/imp_bench" -qc "\\copy (SELECT * FROM posting ORDER BY id) TO '$work/posting.tsv'"
psql "$server/imp_bench" -qc "\\copy (SELECT * FROM posting_skill) TO '$work/posting_skill.tsv'"
links=$(wc -l <"$work/posting_skill.tsv")

fresh copy_bench
echo "== COPY floor: $rows postings and $links skill links into empty tables with the same indexes"
start=$(date +%s.%N)
psql "$server/copy_bench" -q -v ON_ERROR_STOP=1 \
  -c "BEGIN" \
  -c "\\copy posting FROM '$work/posting.tsv'" \
  -c "\\copy posting_skill FROM '$work/posting_skill.tsv'" \
  -c "COMMIT"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$rows" 'BEGIN { printf "COPY: %.1f s, %.0f rows/s\n", e - s, n / (e - s) }'
