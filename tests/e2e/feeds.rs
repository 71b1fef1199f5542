//! Job-board feeds against a local server answering recorded responses in the Greenhouse,
//! Lever and Ashby APIs' documented shapes: postings, then figures; closing and reopening;
//! failures that close nothing; politeness.

use salarygraph_tests::boards::fixture;
use salarygraph_tests::{BoardAnswer, BoardServer, TestApp, TestOptions, error_code};
use serde_json::{Value, json};

use crate::fixtures::create_role;

const GREENHOUSE: &str = "/v1/boards/vaulttec/jobs";
const LEVER: &str = "/v0/postings/leverdemo";
const ASHBY: &str = "/posting-api/job-board/ashbydemo";
const FETCH: &str = "mutation { fetchSources { kind board source lastFetch {
    succeeded seen new closed reopened unclassified refused error } } }";

async fn app_with(server: &BoardServer) -> TestApp {
    TestApp::spawn_with(TestOptions { env: server.env(), smtp: false, ..Default::default() }).await
}

async fn follow(app: &TestApp, kind: &str, board: &str) {
    let response = app
        .gql_as_admin(
            "mutation($k: FeedKind!, $b: String!) { addSource(kind: $k, board: $b) { source } }",
            json!({ "k": kind, "b": board }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

async fn fetch(app: &TestApp) -> Vec<Value> {
    let response = app.gql_as_admin(FETCH, json!({})).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["fetchSources"].as_array().cloned().unwrap_or_default()
}

async fn postings(app: &TestApp) -> Vec<Value> {
    let response = app
        .gql(
            "{ postings(first: 100) { nodes { source externalId title role { slug } seniority remote metro
               salaryMin salaryMax skills postedAt closedAt url } } }",
            json!({}),
        )
        .await;
    response["data"]["postings"]["nodes"].as_array().cloned().unwrap_or_default()
}

fn by_id<'a>(all: &'a [Value], id: &str) -> &'a Value {
    all.iter()
        .find(|p| p["externalId"] == id && p["source"] != "greenhouse:hooli")
        .unwrap_or_else(|| panic!("no posting {id} in {all:?}"))
}

/// Skills come back by name; the expected lists are written in order of mention.
fn sorted(skills: &Value) -> Value {
    let mut names: Vec<String> =
        skills.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect();
    names.sort();
    json!(names)
}

fn summary(p: &Value) -> Value {
    json!([
        p["role"]["slug"],
        p["seniority"],
        p["remote"],
        p["metro"],
        p["salaryMin"],
        p["salaryMax"],
        sorted(&p["skills"]),
        p["postedAt"]
    ])
}

fn expected(mut v: Value) -> Value {
    v[6] = sorted(&v[6]);
    v
}

#[tokio::test]
async fn all_three_boards_become_postings_then_figures_politely() {
    let server = BoardServer::start().await;
    server.answer(GREENHOUSE, vec![BoardAnswer::ok(fixture("greenhouse.json"))]);
    server.answer("/v1/boards/hooli/jobs", vec![BoardAnswer::ok(fixture("greenhouse.json"))]);
    server.answer(LEVER, vec![BoardAnswer::ok(fixture("lever.json"))]);
    server.answer(ASHBY, vec![BoardAnswer::ok(fixture("ashby.json"))]);
    server.delay(std::time::Duration::from_millis(100));
    let app = app_with(&server).await;
    for (slug, title) in [
        ("ai-ml-engineer", "AI/ML Engineer"),
        ("llm-engineer", "LLM Engineer"),
        ("data-scientist", "Data Scientist"),
        ("mlops-engineer", "MLOps Engineer"),
        ("computer-vision-engineer", "Computer Vision Engineer"),
        ("ai-research-scientist", "AI Research Scientist"),
    ] {
        create_role(&app, slug, title).await;
    }
    for (currency, rate) in [("CAD", 0.73), ("EUR", 1.1)] {
        app.gql_as_admin(
            "mutation($c: String!, $r: Float!) { upsertExchangeRate(currency: $c, usdPerUnit: $r) { currency } }",
            json!({ "c": currency, "r": rate }),
        )
        .await;
    }
    follow(&app, "GREENHOUSE", "vaulttec").await;
    follow(&app, "GREENHOUSE", "hooli").await;
    follow(&app, "LEVER", "leverdemo").await;
    follow(&app, "ASHBY", "ashbydemo").await;

    let fetched = fetch(&app).await;
    let outcome = |v: &Value| {
        json!([
            v["source"],
            v["lastFetch"]["succeeded"],
            v["lastFetch"]["seen"],
            v["lastFetch"]["new"],
            v["lastFetch"]["unclassified"],
            v["lastFetch"]["refused"]
        ])
    };
    assert_eq!(
        fetched.iter().map(outcome).collect::<Vec<_>>(),
        vec![
            json!(["ashby:ashbydemo", true, 2, 2, 0, 0]),
            json!(["greenhouse:hooli", true, 3, 3, 1, 0]),
            json!(["greenhouse:vaulttec", true, 3, 3, 1, 0]),
            json!(["lever:leverdemo", true, 3, 3, 1, 0]),
        ]
    );
    // One request at a time to a host, each naming the service.
    assert_eq!(server.most_in_flight(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|(_, agent)| agent.starts_with("salarygraph/")), "{requests:?}");

    let all = postings(&app).await;
    assert_eq!(all.len(), 8, "{all:?}");
    let ranking = by_id(&all, "4012345");
    assert_eq!(ranking["source"], "greenhouse:vaulttec");
    assert_eq!(ranking["url"], "https://boards.greenhouse.io/vaulttec/jobs/4012345");
    assert_eq!(
        summary(ranking),
        expected(json!([
            "ai-ml-engineer",
            "SENIOR",
            false,
            "San Francisco",
            190000,
            250000,
            ["Machine Learning", "Python", "PyTorch", "Spark", "AWS", "Kubernetes"],
            "2026-11-03"
        ]))
    );
    assert_eq!(
        summary(by_id(&all, "4012346")),
        expected(json!([
            "llm-engineer",
            "MID",
            true,
            null,
            170000,
            210000,
            ["LLMs", "RAG", "LangChain", "OpenAI", "Python"],
            "2026-11-10"
        ]))
    );
    assert_eq!(
        summary(by_id(&all, "5ac21346-8e0c-4494-8e7a-3eb92ff77902")),
        expected(json!([
            "data-scientist",
            "MID",
            false,
            "Toronto",
            87600,
            109500,
            ["A/B Testing", "SQL", "Python", "Statistics", "Causal Inference", "dbt", "Snowflake"],
            "2026-11-10"
        ]))
    );
    assert_eq!(
        summary(by_id(&all, "d2f0b3c1-77aa-4c1e-9a51-6c5e2f8f1a10")),
        expected(json!([
            "mlops-engineer",
            "SENIOR",
            true,
            null,
            176800,
            208000,
            ["MLOps", "Kubernetes", "Terraform", "Kubeflow", "MLflow", "Experiment Tracking"],
            "2026-11-03"
        ]))
    );
    assert_eq!(
        summary(by_id(&all, "7458d4e9-da2e-47bd-98cb-adfda43d42b2")),
        expected(json!([
            "computer-vision-engineer",
            "ENTRY",
            false,
            "Berlin",
            77000,
            99000,
            ["Computer Vision", "Object Detection", "Image Segmentation", "PyTorch", "OpenCV"],
            "2026-11-05"
        ]))
    );
    assert_eq!(
        summary(by_id(&all, "9a1f0c3e-5b2d-4e8f-a6c7-1d2e3f4a5b6c")),
        expected(json!([
            "ai-research-scientist",
            "MID",
            true,
            null,
            220000,
            300000,
            ["Pretraining", "RLHF", "LLMs", "Deep Learning"],
            "2026-11-12"
        ]))
    );
    let titles = app.gql_as_admin("{ unclassifiedTitles { title count } }", json!({})).await;
    assert_eq!(
        titles["data"]["unclassifiedTitles"],
        json!([{ "title": "Office Manager", "count": 2 }, { "title": "Account Executive", "count": 1 }])
    );

    // Then figures: the week of 2026-11-16 counts every posting fetched.
    let snapshots = app
        .gql_as_admin(
            r#"mutation { recomputeSnapshots(week: "2026-11-16") { role { slug } openPositions } }"#,
            json!({}),
        )
        .await;
    let open: i64 = snapshots["data"]["recomputeSnapshots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["openPositions"].as_i64())
        .sum();
    assert_eq!(open, 8, "{snapshots}");

    // Each board's last fetch is in /metrics.
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    let line = |needle: &[&str]| metrics.lines().find(|l| needle.iter().all(|n| l.contains(n))).map(str::to_owned);
    assert!(
        line(&["feed_last_fetch_success", "source=\"greenhouse:vaulttec\""]).is_some_and(|l| l.ends_with(" 1")),
        "{metrics}"
    );
    assert!(
        line(&["feed_last_fetch_postings", "source=\"lever:leverdemo\"", "outcome=\"seen\""])
            .is_some_and(|l| l.ends_with(" 3"))
    );
    assert!(line(&["feed_last_fetch_timestamp_seconds", "source=\"ashby:ashbydemo\""]).is_some());
}

#[tokio::test]
async fn a_posting_missing_from_the_latest_fetch_is_closed_and_reopened_when_it_returns() {
    let server = BoardServer::start().await;
    let full = fixture("greenhouse.json");
    let mut without: Value = serde_json::from_str(&full).expect("json");
    if let Some(jobs) = without["jobs"].as_array_mut() {
        jobs.retain(|j| j["id"] != 4012346);
    }
    without["meta"]["total"] = json!(2);
    server.answer(
        GREENHOUSE,
        vec![BoardAnswer::ok(full.clone()), BoardAnswer::ok(without.to_string()), BoardAnswer::ok(full)],
    );
    let app = app_with(&server).await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    create_role(&app, "ai-ml-engineer", "AI/ML Engineer").await;
    follow(&app, "GREENHOUSE", "vaulttec").await;
    let today = chrono::Utc::now().date_naive().to_string();

    let first = fetch(&app).await;
    assert_eq!(first[0]["lastFetch"]["closed"], 0);
    let second = fetch(&app).await;
    assert_eq!(json!([second[0]["lastFetch"]["seen"], second[0]["lastFetch"]["closed"]]), json!([2, 1]));
    let all = postings(&app).await;
    assert_eq!(by_id(&all, "4012346")["closedAt"], json!(today));
    assert!(by_id(&all, "4012345")["closedAt"].is_null());
    let third = fetch(&app).await;
    assert_eq!(
        json!([third[0]["lastFetch"]["reopened"], third[0]["lastFetch"]["closed"], third[0]["lastFetch"]["new"]]),
        json!([1, 0, 0])
    );
    let all = postings(&app).await;
    assert!(by_id(&all, "4012346")["closedAt"].is_null(), "reopened: {all:?}");
    assert_eq!(by_id(&all, "4012346")["postedAt"], "2026-11-10", "keeps its first posting date");

    // Unfollowing a board closes its open postings: nothing tells whether they still are.
    let removed =
        app.gql_as_admin(r#"mutation { removeSource(kind: GREENHOUSE, board: "vaulttec") }"#, json!({})).await;
    assert_eq!(removed["data"]["removeSource"], true);
    assert!(postings(&app).await.iter().all(|p| p["closedAt"] == json!(today)));
}

#[tokio::test]
async fn a_failed_fetch_closes_nothing_and_failures_worth_it_are_retried() {
    let server = BoardServer::start().await;
    server.answer(
        GREENHOUSE,
        vec![BoardAnswer::error(503), BoardAnswer::error(429), BoardAnswer::ok(fixture("greenhouse.json"))],
    );
    let app = app_with(&server).await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    follow(&app, "GREENHOUSE", "vaulttec").await;
    let ok = fetch(&app).await;
    assert_eq!(
        json!([ok[0]["lastFetch"]["succeeded"], ok[0]["lastFetch"]["seen"]]),
        json!([true, 3]),
        "after two retries"
    );
    assert_eq!(server.requests().len(), 3);

    let mut incomplete: Value = serde_json::from_str(&fixture("greenhouse.json")).expect("json");
    incomplete["meta"]["total"] = json!(4);
    let failures = [
        (BoardAnswer::error(500), "answered HTTP 500"),
        (BoardAnswer { status: 404, body: "{}".into(), retry_after: None }, "answered HTTP 404"),
        (BoardAnswer::ok("{\"jobs\": 5}"), "the answer is not a job board"),
        (BoardAnswer::ok(incomplete.to_string()), "the answer is incomplete: 3 of 4 jobs"),
    ];
    for (answer, message) in failures {
        server.answer(GREENHOUSE, vec![answer]);
        let failed = fetch(&app).await;
        let last = &failed[0]["lastFetch"];
        assert_eq!(json!([last["succeeded"], last["seen"], last["closed"]]), json!([false, 0, 0]), "{failed:?}");
        assert!(last["error"].as_str().is_some_and(|e| e.contains(message)), "{last}");
        assert!(postings(&app).await.iter().all(|p| p["closedAt"].is_null()), "a failed fetch closes nothing");
    }
    // 3 attempts for the 500, 1 for the 404 (not worth retrying), 1 each for the bodies.
    assert_eq!(server.requests().len(), 3 + 3 + 1 + 1 + 1);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.lines().any(|l| l.starts_with("feed_last_fetch_success")
            && l.contains("greenhouse:vaulttec")
            && l.ends_with(" 0")),
        "{metrics}"
    );
}

#[tokio::test]
async fn wrong_values_for_sources_are_refused_by_name() {
    let server = BoardServer::start().await;
    let app = app_with(&server).await;
    follow(&app, "LEVER", "acme").await;
    let cases = [
        (
            r#"mutation { addSource(kind: LEVER, board: "acme corp!") { id } }"#,
            "BAD_USER_INPUT",
            "board \"acme corp!\" must be 1–100 letters, digits, '.', '-' or '_' (the name in the board's URL, e.g. \"acme\")",
        ),
        (
            r#"mutation { addSource(kind: LEVER, board: "") { id } }"#,
            "BAD_USER_INPUT",
            "board \"\" must be 1–100 letters, digits, '.', '-' or '_' (the name in the board's URL, e.g. \"acme\")",
        ),
        (
            r#"mutation { addSource(kind: LEVER, board: "acme") { id } }"#,
            "BAD_USER_INPUT",
            "lever board \"acme\" is already followed",
        ),
        (
            r#"mutation { removeSource(kind: ASHBY, board: "acme") }"#,
            "NOT_FOUND",
            "ashby board \"acme\" is not followed",
        ),
        (
            r#"mutation { fetchSources(kind: LEVER) { id } }"#,
            "BAD_USER_INPUT",
            "kind and board: give both, or neither to fetch every board",
        ),
        (
            r#"mutation { fetchSources(kind: GREENHOUSE, board: "acme") { id } }"#,
            "NOT_FOUND",
            "greenhouse board \"acme\" is not followed",
        ),
    ];
    for (query, code, message) in cases {
        let response = app.gql_as_admin(query, json!({})).await;
        assert_eq!(
            (error_code(&response), response["errors"][0]["message"].as_str()),
            (Some(code), Some(message)),
            "{query}"
        );
    }
    let bad_kind = app.gql_as_admin(r#"mutation { addSource(kind: WORKDAY, board: "acme") { id } }"#, json!({})).await;
    assert!(bad_kind["errors"][0]["message"].as_str().is_some_and(|m| m.contains("WORKDAY")), "{bad_kind}");
    let not_admin = app.gql("{ sources { id } }", json!({})).await;
    assert_eq!(error_code(&not_admin), Some("UNAUTHORIZED"));
    let listed = app.gql_as_admin("{ sources { source url lastFetch { seen } } }", json!({})).await;
    assert_eq!(
        listed["data"]["sources"],
        json!([{ "source": "lever:acme", "url": format!("{}/v0/postings/acme?mode=json", server.url), "lastFetch": null }])
    );
}
