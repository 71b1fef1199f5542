#!/usr/bin/env python3
"""Ingest throughput through the ingestPostings mutation: N postings in batches of 10,000,
sent by WORKERS clients at once (default 1: one call after another).
Usage: ADMIN_TOKEN=… [WORKERS=2] bench/ingest_mutation.py URL N"""
import json, os, random, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

url, n = sys.argv[1].rstrip("/") + "/graphql", int(sys.argv[2])
token = os.environ["ADMIN_TOKEN"]
rng = random.Random(7)
roles = ["llm-engineer", "data-scientist", "mlops-engineer", "nlp-engineer"]
skills = ["Python", "RAG", "AWS", "Rust", "PyTorch", "SQL", "Kubernetes", "GCP"]
query = "mutation($p: [PostingInput!]!) { ingestPostings(postings: $p) { inserted updated rejected { index reason } } }"

def posting(i):
    lo = rng.randrange(60, 250) * 1000
    return {"source": "mutation-bench", "externalId": f"m{i}", "role": rng.choice(roles), "title": "Engineer",
            "company": f"Company {rng.randrange(300)}", "metro": rng.choice(["Berlin", "Paris", "Austin"]),
            "remote": rng.random() < 0.2, "seniority": rng.choice(["ENTRY", "MID", "SENIOR"]),
            "salaryMin": lo, "salaryMax": lo + 20000, "skills": rng.sample(skills, 3), "postedAt": "2026-11-02"}

bodies = [json.dumps({"query": query, "variables": {"p": [posting(i) for i in range(s, min(n, s + 10000))]}}).encode()
          for s in range(0, n, 10000)]
def send(body):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    answer = json.load(urllib.request.urlopen(req))
    report = answer["data"]["ingestPostings"]
    assert not report["rejected"], report["rejected"][:3]
    return report["inserted"] + report["updated"]

workers = int(os.environ.get("WORKERS", "1"))
started = time.time()
with ThreadPoolExecutor(workers) as pool:
    stored = sum(pool.map(send, bodies))
elapsed = time.time() - started
print(f"{stored} postings in {len(bodies)} calls by {workers} client(s): {elapsed:.1f} s, {stored / elapsed:,.0f} postings/s")
