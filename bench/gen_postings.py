#!/usr/bin/env python3
"""Writes N synthetic postings as CSV or JSON Lines for the import benchmark.
Usage: bench/gen_postings.py N FILE.{csv,jsonl} [ROLE ...]"""
import csv, json, random, sys

n, path = int(sys.argv[1]), sys.argv[2]
roles = sys.argv[3:] or ["llm-engineer", "data-scientist", "mlops-engineer", "nlp-engineer"]
rng = random.Random(42)
skills = ["Python", "RAG", "AWS", "Rust", "PyTorch", "SQL", "Kubernetes", "GCP", "Azure", "LangChain"]
fields = ["source", "externalId", "role", "title", "company", "metro", "remote", "seniority", "salaryMin",
          "salaryMax", "currency", "salaryPeriod", "skills", "postedAt", "closedAt"]

def row(i):
    lo = rng.randrange(60, 250) * 1000
    return {"source": "bench", "externalId": f"b{i}", "role": rng.choice(roles), "title": "Engineer",
            "company": f"Company {rng.randrange(300)}", "metro": rng.choice(["Berlin", "Paris", "Austin", ""]),
            "remote": rng.random() < 0.2, "seniority": rng.choice(["ENTRY", "MID", "SENIOR"]),
            "salaryMin": lo, "salaryMax": lo + rng.randrange(0, 60) * 1000, "currency": "USD", "salaryPeriod": "YEAR",
            "skills": rng.sample(skills, rng.randrange(1, 6)),
            "postedAt": f"2026-{rng.randrange(9, 12):02d}-{rng.randrange(1, 29):02d}", "closedAt": None}

with open(path, "w", newline="") as f:
    if path.endswith(".csv"):
        w = csv.writer(f)
        w.writerow(fields)
        for i in range(n):
            r = row(i)
            r["skills"] = ";".join(r["skills"]); r["remote"] = str(r["remote"]).lower(); r["closedAt"] = ""
            w.writerow([r[k] for k in fields])
    else:
        for i in range(n):
            r = row(i)
            if not r["metro"]: r["metro"] = None
            f.write(json.dumps(r) + "\n")
