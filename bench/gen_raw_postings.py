#!/usr/bin/env python3
"""Writes N raw postings as JSON Lines for `salarygraph import --raw`: real titles of the
aijobs.net salary index (its experience level as a title word) and the real descriptions of
tests/fixtures/quality/descriptions.jsonl as HTML, with pay as text.

    bench/gen_raw_postings.py 100000 raw100k.jsonl [SALARIES_CSV]
"""
import csv
import json
import sys

count, out = int(sys.argv[1]), sys.argv[2]
salaries = sys.argv[3] if len(sys.argv) > 3 else "/work/shared/data/aijobs-salaries-2024-12-15.csv"
rows = list(csv.DictReader(open(salaries)))
texts = [json.loads(l)["description"] for l in open("tests/fixtures/quality/descriptions.jsonl")]
levels = {"SE": "Senior ", "EN": "Junior ", "EX": "Principal "}
locations = ["Remote - US", "San Francisco, CA", "Hybrid - London, UK", "Berlin", "New York, NY; Remote"]
with open(out, "w") as f:
    for i in range(count):
        r = rows[i % len(rows)]
        salary = int(r["salary_in_usd"])
        f.write(json.dumps({
            "source": "bench", "externalId": str(i),
            "title": levels.get(r["experience_level"], "") + r["job_title"],
            "company": f"Company {i % 997}", "location": locations[i % len(locations)],
            "description": f"<p>{texts[i % len(texts)]}</p>",
            "payText": f"${salary:,} - ${salary + salary // 5:,} a year",
            "postedAt": "2026-11-02",
        }) + "\n")
