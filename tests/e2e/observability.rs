//! What an operator sees: request ids, the Prometheus page, CORS for browser dashboards.

use chrono::{NaiveDate, Utc};
use entity::{RunStatus, digest_run};
use salarygraph_tests::{TestApp, TestOptions};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

async fn post(app: &TestApp, body: Value, request_id: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(format!("{}/graphql", app.base_url)).json(&body);
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    request.send().await.expect("POST /graphql")
}

#[tokio::test]
async fn every_response_carries_a_request_id_kept_from_the_client_or_made() {
    let app = TestApp::spawn().await;
    let made = post(&app, json!({ "query": "{ roles { totalCount } }" }), None).await;
    let id = made.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("a request id").to_owned();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");

    let kept = post(&app, json!({ "query": "{ roles { totalCount } }" }), Some("dash-42")).await;
    assert_eq!(kept.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("dash-42"));

    let unusable = "x".repeat(200);
    let replaced = post(&app, json!({ "query": "{ roles { totalCount } }" }), Some(&unusable)).await;
    let replaced = replaced.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("id").to_owned();
    assert_eq!(replaced.len(), 16, "a 200-character id is replaced");

    let page = app.client.get(format!("{}/healthz", app.base_url)).send().await.expect("GET /healthz");
    assert!(page.headers().contains_key("x-request-id"), "not only GraphQL answers carry it");
}

/// The value of the first sample line that starts with `series` (name and labels).
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines().find(|l| l.starts_with(series)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_operations_errors_and_show_the_pool_and_the_last_digest() {
    let app = TestApp::spawn().await;
    let named = json!({ "query": "query MetricsProbe { roles { totalCount } }", "operationName": "MetricsProbe" });
    for _ in 0..3 {
        assert_eq!(post(&app, named.clone(), None).await.status(), 200);
    }
    let unknown = json!({ "query": "{ compareRoles(a: \"no-such-role\", b: \"other\") { verdict } }" });
    let unknown = post(&app, unknown, None).await;
    assert_eq!(unknown.status(), 200);
    // A finished run of the week of 2026-11-02, as the weekly job leaves it.
    let finished = Utc::now();
    digest_run::ActiveModel {
        week: Set(NaiveDate::from_ymd_opt(2026, 11, 2).expect("date")),
        status: Set(RunStatus::Done),
        recipients: Set(0),
        sent: Set(0),
        failed: Set(0),
        started_at: Set(finished),
        finished_at: Set(Some(finished)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("digest run");

    let response = app.client.get(format!("{}/metrics", app.base_url)).send().await.expect("GET /metrics");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/plain")),
        "Prometheus text format"
    );
    let page = response.text().await.expect("page");
    // The recorder is one per process and the tests share it: counts are at least ours.
    let ops = sample(&page, "graphql_operations_total{operation=\"MetricsProbe\"}").expect(&page);
    assert!(ops >= 3.0, "{ops}");
    assert!(page.contains("graphql_operation_duration_seconds_bucket{operation=\"MetricsProbe\""), "latency histogram");
    assert!(
        sample(&page, "graphql_errors_total{code=\"NOT_FOUND\"}").is_some_and(|n| n >= 1.0),
        "errors by code: {page}"
    );
    let requests = sample(&page, "http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"}");
    assert!(requests.is_some_and(|n| n >= 4.0), "requests by route and status");
    assert!(page.contains("http_request_duration_seconds_bucket{route=\"/graphql\""), "request latency");
    assert!(sample(&page, "db_pool_max_connections").is_some_and(|n| n >= 1.0), "pool size");
    assert!(page.contains("db_pool_connections{state=\"idle\"}"), "pool use");
    let monday = NaiveDate::from_ymd_opt(2026, 11, 2).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("time");
    assert_eq!(sample(&page, "digest_last_success_week"), Some(monday.and_utc().timestamp() as f64));
    assert_eq!(sample(&page, "digest_last_success_timestamp_seconds"), Some(finished.timestamp() as f64));
    assert!(!page.contains("no-such-role"), "client input never becomes a label");
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base_url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization")
        .send()
        .await
        .expect("OPTIONS /graphql")
}

fn allowed_origin(response: &reqwest::Response) -> Option<String> {
    response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let closed = TestApp::spawn().await;
    assert_eq!(allowed_origin(&preflight(&closed, "https://dash.example").await), None, "no CORS by default");

    let app = TestApp::spawn_with(TestOptions {
        env: vec![("CORS_ORIGINS".into(), "https://dash.example, http://localhost:3000".into())],
        ..TestOptions::default()
    })
    .await;
    let ok = preflight(&app, "https://dash.example").await;
    assert_eq!(allowed_origin(&ok).as_deref(), Some("https://dash.example"));
    let methods = ok.headers().get("access-control-allow-methods").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(methods.contains("POST"), "{methods}");
    assert_eq!(allowed_origin(&preflight(&app, "https://evil.example").await), None);

    let answer = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("origin", "http://localhost:3000")
        .json(&json!({ "query": "{ roles { totalCount } }" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(allowed_origin(&answer).as_deref(), Some("http://localhost:3000"));
    let exposed = answer.headers().get("access-control-expose-headers").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(exposed.contains("x-request-id"), "{exposed}");
}
