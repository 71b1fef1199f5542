//! Admin mutations: ingest with validation, re-ingest, imported snapshots and roles.

use salarygraph_tests::{TestApp, error_code};
use serde_json::json;

use crate::fixtures::{self, ingest, posting};

#[tokio::test]
async fn bad_rows_are_reported_by_index_and_the_valid_rest_is_stored() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let r = "llm-engineer";
    let rows = vec![
        posting("ok-1", r, json!({ "salaryMin": 100000, "salaryMax": 120000 })),
        posting("bad-role", "ghost", json!({})),
        posting("bad-title", r, json!({ "title": "   " })),
        posting("bad-company", r, json!({ "company": "c".repeat(201) })),
        posting("bad-min", r, json!({ "salaryMin": 0 })),
        posting("bad-order", r, json!({ "salaryMin": 200000, "salaryMax": 100000 })),
        posting("bad-huge", r, json!({ "salaryMax": 5000, "salaryPeriod": "HOUR" })),
        posting("bad-currency", r, json!({ "currency": "EUR" })),
        posting("bad-dates", r, json!({ "postedAt": "2026-11-10", "closedAt": "2026-11-09" })),
        posting("bad-skills", r, json!({ "skills": (0..51).map(|i| format!("s{i}")).collect::<Vec<_>>() })),
        posting("bad-skill", r, json!({ "skills": ["k".repeat(65)] })),
        posting(
            "ok-2",
            r,
            json!({ "salaryMin": 8000, "salaryMax": 9000, "salaryPeriod": "MONTH", "skills": ["Rust"] }),
        ),
    ];
    let report = ingest(&app, rows).await;
    assert_eq!(report["inserted"], 2, "{report}");
    assert_eq!(report["updated"], 0);
    let reasons: Vec<(i64, String, String)> = report["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["index"].as_i64().unwrap_or(-1),
                r["externalId"].as_str().unwrap_or("").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        (1, "bad-role", "unknown role \"ghost\""),
        (2, "bad-title", "title must not be empty"),
        (3, "bad-company", "company must be at most 200 characters"),
        (4, "bad-min", "salaryMin must be positive, got 0"),
        (5, "bad-order", "salaryMin (200000) must not exceed salaryMax (100000)"),
        (6, "bad-huge", "salaryMax must be below $10,000,000 a year, got 10400000 a year"),
        (7, "bad-currency", "currency \"EUR\" is not supported: only USD"),
        (8, "bad-dates", "closedAt (2026-11-09) is before postedAt (2026-11-10)"),
        (9, "bad-skills", "at most 50 skills, got 51"),
    ];
    for (i, (index, id, reason)) in expected.iter().enumerate() {
        assert_eq!(reasons[i], (*index, (*id).to_owned(), (*reason).to_owned()));
    }
    assert_eq!(reasons[9].0, 10);
    assert!(reasons[9].2.ends_with("is longer than 64 characters"), "{:?}", reasons[9]);
    let stored =
        app.gql(r#"{ postings { totalCount nodes { externalId salaryMin salaryMax skills } } }"#, json!({})).await;
    assert_eq!(
        stored["data"]["postings"],
        json!({ "totalCount": 2, "nodes": [
            { "externalId": "ok-1", "salaryMin": 100000, "salaryMax": 120000, "skills": [] },
            { "externalId": "ok-2", "salaryMin": 96000, "salaryMax": 108000, "skills": ["Rust"] }
        ] })
    );
}

#[tokio::test]
async fn re_ingesting_the_same_source_and_id_updates_the_posting_and_its_skills() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let first = ingest(&app, vec![posting("x", "llm-engineer", json!({ "title": "Old", "skills": ["A", "B"] }))]).await;
    assert_eq!(first, json!({ "inserted": 1, "updated": 0, "rejected": [] }));
    let again = ingest(
        &app,
        vec![
            posting("x", "llm-engineer", json!({ "title": "New", "skills": ["b", "C"], "closedAt": "2026-11-20" })),
            posting("y", "llm-engineer", json!({})),
        ],
    )
    .await;
    assert_eq!(again, json!({ "inserted": 1, "updated": 1, "rejected": [] }));
    let stored = app
        .gql(
            r#"{ postings(filter: { company: "Acme" }) { totalCount nodes { externalId title skills closedAt } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        stored["data"]["postings"]["nodes"][0],
        json!({ "externalId": "x", "title": "New", "skills": ["B", "C"], "closedAt": "2026-11-20" }),
        "the skill keeps its first spelling: {stored}"
    );
    assert_eq!(stored["data"]["postings"]["totalCount"], 2);
}

#[tokio::test]
async fn more_than_ten_thousand_postings_in_one_call_are_refused() {
    let app = TestApp::spawn().await;
    let rows: Vec<_> = (0..10_001).map(|i| posting(&format!("p{i}"), "any", json!({}))).collect();
    let response = app
        .gql_as_admin(
            "mutation($p: [PostingInput!]!) { ingestPostings(postings: $p) { inserted } }",
            json!({ "p": rows }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["message"], "postings: at most 10000 a call, got 10001: split the list");
}

#[tokio::test]
async fn a_salary_past_32_bits_is_an_error_of_the_request_as_for_any_int() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let rows = vec![posting("big", "llm-engineer", json!({ "salaryMin": 3_000_000_000_i64 }))];
    let response = app
        .gql_as_admin(
            "mutation($p: [PostingInput!]!) { ingestPostings(postings: $p) { inserted } }",
            json!({ "p": rows }),
        )
        .await;
    assert!(response["data"].is_null(), "{response}");
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(
        response["errors"][0]["message"],
        "Failed to parse \"Int\": Only integers from -2147483648 to 2147483647 are accepted. \
         (occurred while parsing \"PostingInput\") (occurred while parsing \"[PostingInput!]\")"
    );
}

#[tokio::test]
async fn imported_snapshots_are_validated() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "ai-architect", "AI Architect").await;
    let base = json!({ "role": "ai-architect", "week": "2026-11-23", "openPositions": 10, "remotePct": 10,
        "entryPct": 20, "midPct": 30, "seniorPct": 50, "topSkills": ["RAG"] });
    let with = |extra: serde_json::Value| {
        let mut input = base.clone();
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        input
    };
    let cases = [
        (json!({ "remotePct": 120 }), "remotePct must be between 0 and 100, got 120"),
        (json!({ "seniorPct": 60 }), "entryPct + midPct + seniorPct must be 100 ± 1, got 110"),
        (json!({ "openPositions": -1 }), "openPositions must not be negative, got -1"),
        (
            json!({ "p25Salary": 100, "medianSalary": 90 }),
            "percentiles must not decrease: p25Salary (100) is above medianSalary (90)",
        ),
        (
            json!({ "salaryRangeLow": 5, "salaryRangeHigh": 4 }),
            "salaryRangeLow (5) must not exceed salaryRangeHigh (4)",
        ),
        (
            json!({ "week": "2026-11-24" }),
            "week: 2026-11-24 is a Tue, not a Monday: weeks are named by their Monday (2026-11-23)",
        ),
        (json!({ "topSkills": ["a","b","c","d","e","f","g","h","i"] }), "topSkills may list at most 8, got 9"),
    ];
    for (extra, message) in cases {
        let response = app
            .gql_as_admin(
                "mutation($i: SnapshotInput!) { upsertSnapshot(input: $i) { source } }",
                json!({ "i": with(extra) }),
            )
            .await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
        assert_eq!(response["errors"][0]["message"], message);
    }
    let unknown = app
        .gql_as_admin(
            "mutation($i: SnapshotInput!) { upsertSnapshot(input: $i) { source } }",
            json!({ "i": with(json!({ "role": "nope" })) }),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    let ok = app
        .gql_as_admin(
            "mutation($i: SnapshotInput!) { upsertSnapshot(input: $i) { source sampleSize } }",
            json!({ "i": base }),
        )
        .await;
    assert_eq!(ok["data"]["upsertSnapshot"], json!({ "source": "IMPORTED", "sampleSize": 10 }));
}

#[tokio::test]
async fn a_role_with_postings_cannot_be_deleted_and_bad_roles_are_refused() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    ingest(&app, vec![posting("x", "llm-engineer", json!({}))]).await;
    let refused = app.gql_as_admin(r#"mutation { deleteRole(slug: "llm-engineer") }"#, json!({})).await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"));
    assert_eq!(
        refused["errors"][0]["message"],
        "role \"llm-engineer\" still has 1 postings: delete or move them first"
    );
    fixtures::create_role(&app, "empty-role", "Empty").await;
    let deleted = app.gql_as_admin(r#"mutation { deleteRole(slug: "empty-role") }"#, json!({})).await;
    assert_eq!(deleted, json!({ "data": { "deleteRole": true } }));
    let missing = app.gql_as_admin(r#"mutation { deleteRole(slug: "empty-role") }"#, json!({})).await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"));
    let bad_slug = app
        .gql_as_admin(r#"mutation { upsertRole(input: { slug: "Bad Slug", title: "x" }) { slug } }"#, json!({}))
        .await;
    assert_eq!(error_code(&bad_slug), Some("BAD_USER_INPUT"));
    let empty_title =
        app.gql_as_admin(r#"mutation { upsertRole(input: { slug: "ok", title: " " }) { slug } }"#, json!({})).await;
    assert_eq!(empty_title["errors"][0]["message"], "title must be 1–200 characters");
}
