//! Dashboard reads: one statement per level of a nested list, counts only when asked, and a
//! response cache that no replica serves after a write it has heard of.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use salarygraph_tests::{TestApp, TestOptions};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::fixtures::{self, WEEK, posting};

const NESTED: &str = "{ roles(first: 30) { nodes { slug postings(first: 10) { nodes { company salaryMin } } } } }";

/// An app whose answers are never served from memory, so each query shows its statements.
async fn uncached_app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        smtp: false,
        env: vec![("RESPONSE_CACHE_MB".into(), "0".into())],
        ..Default::default()
    })
    .await
}

/// Roles `role-{from}`… `role-{to - 1}`, each with `per_role` postings (company `C{role}-{n}`).
async fn roles_with_postings(app: &TestApp, from: usize, to: usize, per_role: usize) {
    let mut rows = Vec::new();
    for r in from..to {
        let slug = format!("role-{r:02}");
        fixtures::create_role(app, &slug, &format!("Role {r}")).await;
        for n in 0..per_role {
            let salary = 100_000 + 1_000 * n as i64;
            rows.push(posting(
                &format!("{slug}-{n}"),
                &slug,
                json!({ "company": format!("C{r}-{n}"), "salaryMin": salary, "salaryMax": salary + 20_000, "remote": n % 2 == 0 }),
            ));
        }
    }
    let report = fixtures::ingest(app, rows).await;
    assert_eq!(report["rejected"], json!([]), "{report}");
}

/// Statements the app's pool ran for one anonymous query, and its answer.
async fn statements_of(app: &TestApp, query: &str) -> (usize, Value) {
    let before = app.statements();
    let response = app.gql(query, json!({})).await;
    assert!(response["errors"].is_null(), "{response}");
    (app.statements() - before, response)
}

#[tokio::test]
async fn nested_postings_of_2_roles_and_of_20_take_the_same_statements() {
    let app = uncached_app().await;
    roles_with_postings(&app, 0, 2, 12).await;
    let (with_2, answer) = statements_of(&app, NESTED).await;
    roles_with_postings(&app, 2, 20, 12).await;
    let (with_20, answer_20) = statements_of(&app, NESTED).await;
    assert_eq!(with_2, with_20, "statements must not grow with the number of roles");
    assert!(with_20 <= 2, "one statement for the roles, one for all their postings: {with_20}");

    // Each role got its own first 10 postings, in id order.
    let nodes = answer_20["data"]["roles"]["nodes"].as_array().expect("roles");
    assert_eq!(nodes.len(), 20);
    for (r, role) in nodes.iter().enumerate() {
        let companies: Vec<&str> = role["postings"]["nodes"]
            .as_array()
            .expect("postings")
            .iter()
            .filter_map(|p| p["company"].as_str())
            .collect();
        let expected: Vec<String> = (0..10).map(|n| format!("C{r}-{n}")).collect();
        assert_eq!(companies, expected, "role {r}");
    }
    assert_eq!(
        answer["data"]["roles"]["nodes"][1]["postings"]["nodes"][9],
        json!({ "company": "C1-9", "salaryMin": 109000 })
    );

    // Filters, counts and skills stay one statement per level, whatever the number of roles.
    let filtered = "{ roles(first: 30) { nodes { postings(first: 3, filter: { remote: true, minSalary: 105000 }) \
                    { totalCount nodes { company skills role { slug } } } } } }";
    let (statements, answer) = statements_of(&app, filtered).await;
    assert!(statements <= 5, "roles, pages, counts, skills, roles of postings: {statements}");
    let first = &answer["data"]["roles"]["nodes"][0]["postings"];
    // Remote postings are the even ones; a midpoint of at least 105,000 needs n ≥ 0 (min + 10,000).
    assert_eq!(first["totalCount"], 6, "{first}");
    assert_eq!(first["nodes"][0], json!({ "company": "C0-0", "skills": [], "role": { "slug": "role-00" } }));
}

#[tokio::test]
async fn total_count_is_counted_only_when_selected_and_not_already_shown() {
    let app = uncached_app().await;
    roles_with_postings(&app, 0, 1, 5).await;
    let page = |first: u32, count: bool| {
        format!(
            "{{ postings(first: {first}, filter: {{ role: \"role-00\" }}) {{ {} nodes {{ company }} pageInfo {{ hasNextPage }} }} }}",
            if count { "totalCount" } else { "" }
        )
    };
    let (without, _) = statements_of(&app, &page(2, false)).await;
    let (with, answer) = statements_of(&app, &page(2, true)).await;
    assert_eq!(with, without + 1, "a partial page counts once, when asked");
    assert_eq!(answer["data"]["postings"]["totalCount"], 5);
    let (whole, answer) = statements_of(&app, &page(10, true)).await;
    assert_eq!(whole, without, "a page that shows every match needs no count");
    assert_eq!(answer["data"]["postings"]["totalCount"], 5);

    let end_cursor = answer["data"]["postings"]["nodes"].as_array().map(Vec::len);
    assert_eq!(end_cursor, Some(5));
    let roles_total = statements_of(&app, "{ roles(first: 1) { totalCount nodes { slug } } }").await;
    assert_eq!(roles_total.1["data"]["roles"]["totalCount"], 1);
    let nested = "{ roles { nodes { postings(first: 2) { totalCount } } } }";
    let (_, answer) = statements_of(&app, nested).await;
    assert_eq!(answer["data"]["roles"]["nodes"][0]["postings"]["totalCount"], 5);
    let later = "{ postings(first: 2, after: \"cG9zdGluZzox\") { totalCount nodes { company } } }";
    let (_, answer) = statements_of(&app, later).await;
    assert_eq!(answer["data"]["postings"]["totalCount"], 5, "a later page counts every match: {answer}");
}

/// The value of a counter in `/metrics`, 0 when absent.
async fn counter(app: &TestApp, name: &str) -> f64 {
    let page = app.client.get(format!("{}/metrics", app.base_url)).send().await.expect("metrics");
    let page = page.text().await.expect("text");
    page.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_write_on_this_replica_is_seen_by_the_very_next_read() {
    let app = TestApp::spawn_with(TestOptions { smtp: false, ..Default::default() }).await;
    fixtures::create_role(&app, "first-role", "First Role").await;
    const ROLES: &str = "query CachedRoles { roles { totalCount nodes { slug title } } }";
    let first = app.gql(ROLES, json!({})).await;
    let (hits, statements) = (counter(&app, "graphql_response_cache_hits_total").await, app.statements());
    let again = app.gql(ROLES, json!({})).await;
    assert_eq!(first, again);
    assert_eq!(app.statements(), statements, "answered from memory");
    assert!(counter(&app, "graphql_response_cache_hits_total").await > hits, "counted as a hit");

    fixtures::create_role(&app, "second-role", "Second Role").await;
    let after = app.gql(ROLES, json!({})).await;
    assert_eq!(after["data"]["roles"]["totalCount"], 2, "{after}");

    // Answers with credentials or errors are never kept.
    let statements = app.statements();
    for _ in 0..2 {
        let (_, admin) = app.gql_with(ROLES, json!({}), Some(salarygraph_tests::ADMIN_TOKEN)).await;
        assert_eq!(admin["data"]["roles"]["totalCount"], 2);
    }
    assert!(app.statements() >= statements + 2, "admin reads run every time");
    let missing = "{ postings(filter: { role: \"ghost\" }) { totalCount } }";
    for _ in 0..2 {
        assert_eq!(salarygraph_tests::error_code(&app.gql(missing, json!({})).await), Some("NOT_FOUND"));
    }
}

#[tokio::test]
async fn get_answers_carry_an_etag_and_honour_if_none_match() {
    let app = TestApp::spawn_with(TestOptions { smtp: false, ..Default::default() }).await;
    fixtures::create_role(&app, "etag-role", "ETag Role").await;
    let query = "{ roles { nodes { slug } } }";
    let first = app.gql_get(query, &[]).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let not_modified = app.gql_get(query, &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    assert_eq!(not_modified.bytes().await.expect("body").len(), 0);
    let other = app.gql_get(query, &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(other.status(), 200);

    fixtures::create_role(&app, "etag-role-2", "ETag Role 2").await;
    let changed = app.gql_get(query, &[("if-none-match", &etag)]).await;
    assert_eq!(changed.status(), 200, "the data changed: the old tag no longer matches");
    assert_ne!(changed.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body["data"]["roles"]["nodes"].as_array().map(Vec::len), Some(2));
}

/// Polls `query` on `app` until `done` holds for its answer; the time it took.
async fn seen_within(app: &TestApp, query: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let answer = app.gql(query, json!({})).await;
        if done(&answer) {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not seen within {limit:?}: {answer}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_write_on_another_replica_or_process_is_seen_within_a_second() {
    let a = TestApp::spawn_with(TestOptions { smtp: false, ..Default::default() }).await;
    let b = a.replica().await;
    fixtures::create_role(&a, "shared-role", "Shared Role").await;
    const QUERY: &str = "{ roles { nodes { slug postings { totalCount } } } }";
    let seen =
        seen_within(&b, QUERY, Duration::from_secs(1), |r| r["data"]["roles"]["nodes"][0]["slug"] == "shared-role")
            .await;
    eprintln!("a new role on replica A was seen on replica B after {seen:?}");
    // B keeps its answer in memory now; A's next write must reach it.
    assert_eq!(b.gql(QUERY, json!({})).await["data"]["roles"]["nodes"][0]["postings"]["totalCount"], 0);
    fixtures::ingest(&a, vec![posting("x1", "shared-role", json!({}))]).await;
    let seen = seen_within(&b, QUERY, Duration::from_secs(1), |r| {
        r["data"]["roles"]["nodes"][0]["postings"]["totalCount"] == 1
    })
    .await;
    eprintln!("an ingest on replica A was seen on replica B after {seen:?}");

    // A write by another process (here: the engine on a connection of its own, as
    // `salarygraph import` does) is heard the same way.
    let other = api::db::connect(&a.database.url).await.expect("connect");
    let row: jobs::ingest::PostingInput = serde_json::from_value(json!({
        "source": "cli", "externalId": "x2", "role": "shared-role", "title": "Engineer", "company": "Acme",
        "remote": false, "seniority": "MID", "postedAt": "2026-11-02"
    }))
    .expect("a posting row");
    jobs::ingest::ingest(&other, vec![row], 0, chrono::Utc::now()).await.expect("ingest");
    for app in [&a, &b] {
        seen_within(app, QUERY, Duration::from_secs(1), |r| {
            r["data"]["roles"]["nodes"][0]["postings"]["totalCount"] == 2
        })
        .await;
    }
}

async fn subscribe(
    app: &TestApp,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    socket.send(Message::text(json!({ "type": "connection_init" }).to_string())).await.expect("init");
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or_default().contains("connection_ack"), "{ack:?}");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { snapshotPublished { role { slug } week openPositions } }"
    } });
    socket.send(Message::text(subscribe.to_string())).await.expect("subscribe");
    // The subscription is registered once the server has read the message.
    tokio::time::sleep(Duration::from_millis(300)).await;
    socket
}

#[tokio::test]
async fn snapshots_recomputed_on_one_replica_reach_subscribers_of_another_once() {
    let a = TestApp::spawn_with(TestOptions { smtp: false, ..Default::default() }).await;
    fixtures::load(&a).await;
    let b = a.replica().await;
    let mut on_b = subscribe(&b).await;
    let mut on_a = subscribe(&a).await;
    let recomputed = a
        .gql_as_admin(&format!(r#"mutation {{ recomputeSnapshots(week: "{WEEK}") {{ role {{ slug }} }} }}"#), json!({}))
        .await;
    assert!(recomputed["errors"].is_null(), "{recomputed}");
    let expected = json!([
        { "role": { "slug": "test-role" }, "week": WEEK, "openPositions": 8 },
        { "role": { "slug": "other-role" }, "week": WEEK, "openPositions": 3 },
    ]);
    for socket in [&mut on_b, &mut on_a] {
        let mut received = Vec::new();
        // Everything that arrives within two seconds: each snapshot exactly once.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
            let payload: Value = serde_json::from_str(message.to_text().expect("text")).expect("json");
            received.push(payload["payload"]["data"]["snapshotPublished"].clone());
        }
        received.sort_by_key(|s| s["role"]["slug"].as_str().map(str::to_owned));
        let mut want = expected.as_array().cloned().unwrap_or_default();
        want.sort_by_key(|s| s["role"]["slug"].as_str().map(str::to_owned));
        assert_eq!(received, want);
    }
}

#[tokio::test]
async fn postings_read_by_column_position_equal_postings_read_by_name() {
    use entity::posting;
    use jobs::postings::{PageRequest, PostingColumns, PostingFilter, page, pages_by_role};
    use sea_orm::{EntityTrait, QueryOrder};

    let app = uncached_app().await;
    fixtures::create_role(&app, "role-a", "Role A").await;
    fixtures::create_role(&app, "role-b", "Role B").await;
    let everything = json!({
        "metro": "Berlin", "remote": true, "seniority": "SENIOR", "salaryMin": 120000, "salaryMax": 150000,
        "skills": ["Rust", "Python"], "closedAt": "2026-11-20", "url": "https://jobs.example.com/1"
    });
    let rows = vec![
        posting("full", "role-a", everything),
        posting("bare", "role-a", json!({})),
        posting("other", "role-b", json!({ "salaryMin": 90000 })),
    ];
    let report = fixtures::ingest(&app, rows).await;
    assert_eq!(report["rejected"], json!([]), "{report}");

    let by_name = posting::Entity::find().order_by_asc(posting::Column::Id).all(&app.db).await.expect("by name");
    assert_eq!(by_name.len(), 3);
    let full = &by_name[0];
    assert!(full.metro.is_some() && full.closed_at.is_some() && full.url.is_some() && !full.skill_ids.is_empty());
    assert!(by_name[1].metro.is_none() && by_name[1].salary_min.is_none() && by_name[1].closed_at.is_none());

    let all = PageRequest { first: 10, after: None };
    let models = |rows: &[jobs::postings::PostingRow]| -> Vec<posting::Model> {
        rows.iter().map(|row| row.to_model().expect("every column decodes")).collect()
    };
    let paged = page(&app.db, &PostingFilter::default(), None, all, PostingColumns::all()).await.expect("page");
    assert_eq!(models(&paged), by_name, "a page of postings");
    let role_ids: Vec<i32> = vec![by_name[0].role_id, by_name[2].role_id];
    let every = PostingColumns::all();
    let pages = pages_by_role(&app.db, &PostingFilter::default(), &role_ids, all, every).await.expect("pages by role");
    assert_eq!(models(&pages[&role_ids[0]]), by_name[..2], "the first role's page");
    assert_eq!(models(&pages[&role_ids[1]]), by_name[2..], "the second role's page");
}

/// Where an answer's postings are.
type NodesOf = fn(&Value) -> &Value;

/// The fields of `Posting` and how to ask for each: an object field asks for its `slug`.
async fn posting_fields(app: &TestApp) -> Vec<String> {
    let schema =
        app.gql(r#"{ __type(name: "Posting") { fields { name type { kind ofType { kind } } } } }"#, json!({})).await;
    let fields = schema["data"]["__type"]["fields"].as_array().cloned().unwrap_or_default();
    assert!(fields.len() > 10, "{schema}");
    fields
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap_or_default();
            let kind = f["type"]["ofType"]["kind"].as_str().or(f["type"]["kind"].as_str());
            if kind == Some("OBJECT") { format!("{name} {{ slug }}") } else { name.to_owned() }
        })
        .collect()
}

#[tokio::test]
async fn a_page_reads_the_columns_its_query_asks_for_and_each_field_alone_gives_the_same_value() {
    let app = uncached_app().await;
    fixtures::create_role(&app, "role-a", "Role A").await;
    let full = json!({
        "metro": "Berlin", "remote": true, "seniority": "SENIOR", "salaryMin": 120000, "salaryMax": 150000,
        "skills": ["Rust"], "closedAt": "2026-11-20", "url": "https://jobs.example.com/1"
    });
    let report =
        fixtures::ingest(&app, vec![posting("full", "role-a", full), posting("bare", "role-a", json!({}))]).await;
    assert_eq!(report["rejected"], json!([]), "{report}");
    let fields = posting_fields(&app).await;
    let all = fields.join(" ");
    // The same postings through each shape a dashboard may use: the top-level page, a role's
    // page under a list of roles, edges, and a fragment.
    let shapes: [(&str, NodesOf); 4] = [
        ("{ postings(first: 5) { nodes { FIELDS } } }", |d| &d["postings"]["nodes"]),
        ("{ roles(first: 5) { nodes { postings(first: 5) { nodes { FIELDS } } } } }", |d| {
            &d["roles"]["nodes"][0]["postings"]["nodes"]
        }),
        ("{ postings(first: 5) { edges { node { FIELDS } } } }", |d| &d["postings"]["edges"]),
        (
            "query { postings(first: 5) { nodes { ...P } } } fragment P on Posting { FIELDS }",
            |d| &d["postings"]["nodes"],
        ),
    ];
    for (shape, nodes) in shapes {
        let everything = app.gql(&shape.replace("FIELDS", &all), json!({})).await;
        assert!(everything["errors"].is_null(), "{shape}: {everything}");
        let everything = nodes(&everything["data"]).clone();
        assert_eq!(everything.as_array().map(Vec::len), Some(2), "{shape}: {everything}");
        for field in &fields {
            let alone = app.gql(&shape.replace("FIELDS", field), json!({})).await;
            assert!(alone["errors"].is_null(), "{field} alone in {shape}: {alone}");
            let key = field.split(' ').next().unwrap_or_default();
            for (i, node) in nodes(&alone["data"]).as_array().cloned().unwrap_or_default().iter().enumerate() {
                let (node, whole) = match shape.contains("edges") {
                    true => (&node["node"], &everything[i]["node"]),
                    false => (node, &everything[i]),
                };
                assert_eq!(node[key], whole[key], "{field} alone in {shape}");
            }
        }
    }
}
