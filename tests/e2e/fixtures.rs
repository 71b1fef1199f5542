//! A small posting set whose figures are worked out by hand in the tests.

use salarygraph_tests::TestApp;
use serde_json::{Value, json};

/// The week the hand-computed figures are for: Monday 2026-11-16 to Sunday 2026-11-22.
pub const WEEK: &str = "2026-11-16";

/// Creates a role through the admin API.
pub async fn create_role(app: &TestApp, slug: &str, title: &str) {
    let response = app
        .gql_as_admin(
            "mutation($input: RoleInput!) { upsertRole(input: $input) { slug } }",
            json!({ "input": { "slug": slug, "title": title, "careerPath": ["Staff", "Principal"] } }),
        )
        .await;
    assert_eq!(response["data"]["upsertRole"]["slug"], slug, "{response}");
}

/// A posting input with sensible defaults, overridden by `fields`.
pub fn posting(id: &str, role: &str, fields: Value) -> Value {
    let mut base = json!({
        "source": "test", "externalId": id, "role": role, "title": "Engineer", "company": "Acme",
        "remote": false, "seniority": "MID", "skills": [], "postedAt": "2026-11-02"
    });
    if let (Some(base), Some(extra)) = (base.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    base
}

/// Ingests postings as admin and returns the report.
pub async fn ingest(app: &TestApp, postings: Vec<Value>) -> Value {
    let response = app
        .gql_as_admin(
            "mutation($p: [PostingInput!]!) { ingestPostings(postings: $p) { inserted updated rejected { index externalId reason } } }",
            json!({ "p": postings }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["ingestPostings"].clone()
}

/// The hand-computed set: role `test-role` (8 open postings in WEEK, 7 with a salary)
/// and `other-role` (3 open, 2 salaries: too few to publish).
pub async fn load(app: &TestApp) {
    create_role(app, "test-role", "Test Role").await;
    create_role(app, "other-role", "Other Role").await;
    let t = "test-role";
    let rows = vec![
        posting(
            "p1",
            t,
            json!({"salaryMin": 100000, "salaryMax": 140000, "remote": true, "seniority": "SENIOR", "skills": ["RAG", "Python"], "metro": "Berlin"}),
        ),
        posting(
            "p2",
            t,
            json!({"salaryMin": 80000, "salaryMax": 100000, "skills": ["python", "AWS"], "metro": "Paris"}),
        ),
        posting(
            "p3",
            t,
            json!({"salaryMin": 150000, "skills": [" Rag ", "Rust"], "company": "Beta", "metro": "Berlin"}),
        ),
        posting(
            "p4",
            t,
            json!({"salaryMax": 200000, "remote": true, "seniority": "ENTRY", "skills": ["RAG"], "company": "Beta"}),
        ),
        posting(
            "p5",
            t,
            json!({"salaryMin": 110000, "salaryMax": 130000, "seniority": "SENIOR", "skills": ["AWS"], "company": "Gamma", "metro": "Berlin"}),
        ),
        posting("p6", t, json!({"skills": ["Python"], "company": "Gamma", "metro": "Paris"})),
        // Posted on the Sunday that ends the week: open.
        posting(
            "p7",
            t,
            json!({"salaryMin": 60000, "salaryMax": 80000, "seniority": "ENTRY", "company": "Delta", "metro": "Lisbon", "postedAt": "2026-11-22"}),
        ),
        // Closed on that Sunday: not open.
        posting("p8", t, json!({"salaryMin": 300000, "salaryMax": 300000, "skills": ["Go"], "closedAt": "2026-11-22"})),
        // Closed on the Monday after: open.
        posting(
            "p9",
            t,
            json!({"salaryMin": 90000, "salaryMax": 110000, "skills": ["Go"], "metro": "Paris", "closedAt": "2026-11-23"}),
        ),
        // Posted the Monday after: not open yet.
        posting("p10", t, json!({"salaryMin": 500000, "salaryMax": 600000, "postedAt": "2026-11-23"})),
        posting(
            "q1",
            "other-role",
            json!({"salaryMin": 50000, "salaryMax": 70000, "remote": true, "skills": ["RAG", "Java"], "company": "Zeta", "metro": "Oslo"}),
        ),
        posting("q2", "other-role", json!({"salaryMin": 60000, "skills": ["Java"], "company": "Zeta"})),
        posting("q3", "other-role", json!({"seniority": "SENIOR", "skills": ["Java", "Python"], "company": "Eta"})),
    ];
    let report = ingest(app, rows).await;
    assert_eq!(report, json!({ "inserted": 13, "updated": 0, "rejected": [] }));
}

/// The snapshot fields every figure test reads.
pub const SNAPSHOT_FIELDS: &str = "week source openPositions sampleSize salaryRangeLow salaryRangeHigh averageSalary
    p25Salary medianSalary p75Salary p90Salary remotePct experienceMix { entryPct midPct seniorPct }
    topSkills { skill postings pct } topCompanies { name count } topMetros { name count }";
