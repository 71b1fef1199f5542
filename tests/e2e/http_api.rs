//! GraphQL over HTTP, limits, pagination, authorisation and batching.

use futures::{SinkExt, StreamExt};
use salarygraph_tests::{ADMIN_TOKEN, TestApp, TestOptions, error_code};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::fixtures::{self, WEEK};

#[tokio::test]
async fn queries_work_over_get_and_mutations_over_get_are_refused() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .query(&[("query", "{ roles { totalCount } }")])
        .send()
        .await
        .expect("GET");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.expect("json"), json!({ "data": { "roles": { "totalCount": 0 } } }));

    let mutation = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .query(&[("query", "mutation { unsubscribeAll: deleteRole(slug: \"x\") }")])
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("GET");
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
}

#[tokio::test]
async fn the_response_media_type_follows_accept_and_bad_requests_get_4xx() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let post = |body: &'static str, content_type: &'static str, accept: &'static str| {
        app.client.post(&url).header("content-type", content_type).header("accept", accept).body(body).send()
    };
    let modern =
        post(r#"{"query":"{ roles { totalCount } }"}"#, "application/json", "application/graphql-response+json")
            .await
            .expect("POST");
    assert_eq!(modern.status(), 200);
    assert_eq!(modern.headers()["content-type"], "application/graphql-response+json");

    let legacy =
        post(r#"{"query":"{ roles { totalCount } }"}"#, "application/json", "application/json").await.expect("POST");
    assert_eq!(legacy.headers()["content-type"], "application/json");

    let syntax =
        post(r#"{"query":"{ roles { "}"#, "application/json", "application/graphql-response+json").await.expect("POST");
    assert_eq!(syntax.status(), 400, "a document that does not parse");
    let syntax = syntax.json::<Value>().await.expect("json");
    assert!(syntax.get("data").is_none() && syntax["errors"][0]["message"].is_string(), "no data entry: {syntax}");
    let invalid = post(r#"{"query":"{ noSuchField }"}"#, "application/json", "application/graphql-response+json")
        .await
        .expect("POST");
    assert_eq!(invalid.status(), 400, "a document that does not validate");
    let legacy_invalid =
        post(r#"{"query":"{ noSuchField }"}"#, "application/json", "application/json").await.expect("POST");
    assert_eq!(legacy_invalid.status(), 200, "application/json keeps 200 for GraphQL errors");

    let not_json = post("{not json", "application/json", "application/json").await.expect("POST");
    assert_eq!(not_json.status(), 400);
    let no_query = post(r#"{"variables":{}}"#, "application/json", "application/json").await.expect("POST");
    assert_eq!(no_query.status(), 400);
    let text = post("{ roles { totalCount } }", "text/plain", "application/json").await.expect("POST");
    assert_eq!(text.status(), 415);
}

/// `extensions` of an Apollo persisted query: the query's SHA-256 in lowercase hex (the
/// stored form of a token is exactly that digest).
fn persisted(query: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": jobs::tokens::hash_token(query) } })
}

#[tokio::test]
async fn persisted_queries_follow_the_apollo_protocol() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let query = "{ roles { totalCount } }";
    let post = |body: Value| app.client.post(&url).json(&body).send();
    let get = |extensions: Value| app.client.get(&url).query(&[("extensions", extensions.to_string())]).send();
    let roles = json!({ "data": { "roles": { "totalCount": 0 } } });

    let unknown = post(json!({ "extensions": persisted(query) })).await.expect("POST");
    assert_eq!(unknown.status(), 200, "Apollo clients resend the query on this error, not on a 4xx");
    assert_eq!(
        unknown.json::<Value>().await.expect("json"),
        json!({ "errors": [{ "message": "PersistedQueryNotFound", "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] })
    );

    let registered = post(json!({ "query": query, "extensions": persisted(query) })).await.expect("POST");
    assert_eq!(registered.status(), 200);
    assert_eq!(registered.json::<Value>().await.expect("json"), roles);

    let by_hash = get(persisted(query)).await.expect("GET");
    assert_eq!(by_hash.status(), 200);
    assert_eq!(by_hash.json::<Value>().await.expect("json"), roles);
    let posted_hash = post(json!({ "extensions": persisted(query) })).await.expect("POST");
    assert_eq!(posted_hash.status(), 200, "a hash without a query is not a malformed body");
    assert_eq!(posted_hash.json::<Value>().await.expect("json"), roles);

    let wrong = post(json!({ "query": query, "extensions": persisted("{ market { totalOpenPositions } }") }))
        .await
        .expect("POST");
    assert_eq!(wrong.status(), 400);
    assert_eq!(
        wrong.json::<Value>().await.expect("json"),
        json!({ "errors": [{ "message": "provided sha does not match query", "extensions": { "code": "BAD_USER_INPUT" } }] })
    );

    let mutation = r#"mutation { deleteRole(slug: "ghost") }"#;
    let stored = app
        .client
        .post(&url)
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "query": mutation, "extensions": persisted(mutation) }))
        .send()
        .await
        .expect("POST");
    assert_eq!(stored.status(), 200);
    // Found by its hash (an unknown one would be a 200), then refused like any GET mutation.
    let refused = app
        .client
        .get(&url)
        .query(&[("extensions", persisted(mutation).to_string())])
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
}

#[tokio::test]
async fn only_anonymous_error_free_get_queries_may_be_cached() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let cache_control = |r: &reqwest::Response| {
        r.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    let get = |query: &'static str| app.client.get(&url).query(&[("query", query)]);

    let public = get("{ roles { totalCount } }").send().await.expect("GET");
    assert_eq!(public.status(), 200);
    assert_eq!(cache_control(&public), "public, max-age=30");
    let vary: Vec<&str> = public.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(vary.contains(&"Accept, Authorization"), "{vary:?}");

    let with_credentials = get("{ roles { totalCount } }").bearer_auth(ADMIN_TOKEN).send().await.expect("GET");
    assert_eq!(with_credentials.status(), 200);
    assert_eq!(cache_control(&with_credentials), "no-store");

    let posted =
        app.client.post(&url).json(&json!({ "query": "{ roles { totalCount } }" })).send().await.expect("POST");
    assert_eq!(posted.status(), 200);
    assert_eq!(cache_control(&posted), "no-store");

    let with_errors = get("{ roles(first: 101) { totalCount } }").send().await.expect("GET");
    assert_eq!(with_errors.status(), 200);
    assert_eq!(cache_control(&with_errors), "no-store");
    let with_errors = with_errors.json::<Value>().await.expect("json");
    assert_eq!(error_code(&with_errors), Some("BAD_USER_INPUT"), "{with_errors}");

    let refused = get("mutation { deleteRole(slug: \"x\") }").send().await.expect("GET");
    assert_eq!(refused.status(), 405);
    assert_eq!(cache_control(&refused), "no-store");
}

#[tokio::test]
async fn browsers_get_graphiql() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("GET");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("text");
    assert!(html.contains("<title>salarygraph GraphiQL</title>") && html.contains("graphiql"), "{html}");
}

#[tokio::test]
async fn depth_complexity_page_size_and_body_size_are_limited() {
    let app = TestApp::spawn().await;
    let deep = app
        .gql(
            "{ roles(first: 1) { nodes { postings(first: 1) { nodes { role { postings(first: 1) { nodes { role { postings(first: 1) { nodes { role { postings(first: 1) { nodes { role { postings(first: 1) { nodes { role { slug } } } } } } } } } } } } } } } } } }",
            json!({}),
        )
        .await;
    assert!(deep["errors"][0]["message"].as_str().is_some_and(|m| m.contains("nested too deep")), "{deep}");

    let complex = app
        .gql("{ roles(first: 100) { nodes { postings(first: 100) { nodes { id title company } } } } }", json!({}))
        .await;
    assert!(complex["errors"][0]["message"].as_str().is_some_and(|m| m.contains("too complex")), "{complex}");

    let too_many = app.gql("{ roles(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
    assert_eq!(too_many["errors"][0]["message"], "first must be between 0 and 100, got 101");

    let huge = "x".repeat(17 * 1024 * 1024);
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{{ roles {{ totalCount }} }}","padding":"{huge}"}}"#))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn pages_of_roles_chain_with_stable_cursors() {
    let app = TestApp::spawn_with(TestOptions { demo: true, ..Default::default() }).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .gql(
                "query($after: String) { roles(first: 3, after: $after) { totalCount edges { cursor node { slug } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let roles = &page["data"]["roles"];
        assert_eq!(roles["totalCount"], 8, "{page}");
        for edge in roles["edges"].as_array().into_iter().flatten() {
            seen.push(edge["node"]["slug"].as_str().unwrap_or_default().to_owned());
        }
        assert_eq!(
            roles["pageInfo"]["endCursor"],
            roles["edges"].as_array().and_then(|e| e.last()).map_or(Value::Null, |e| e["cursor"].clone())
        );
        if roles["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = roles["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 8);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 8, "no role twice: {seen:?}");

    let bad = app.gql(r#"{ roles(after: "bm90LWEtY3Vyc29y") { totalCount } }"#, json!({})).await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
}

#[tokio::test]
async fn postings_filter_on_role_remote_salary_skill_and_week() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let list = |filter: Value| {
        let app = &app;
        async move {
            let r = app
                .gql(
                    "query($f: PostingFilter) { postings(filter: $f, first: 50) { totalCount nodes { externalId skills } } }",
                    json!({ "f": filter }),
                )
                .await;
            let ids: Vec<String> = r["data"]["postings"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["externalId"].as_str().map(str::to_owned))
                .collect();
            assert_eq!(r["data"]["postings"]["totalCount"].as_u64(), Some(ids.len() as u64), "{r}");
            ids
        }
    };
    assert_eq!(list(json!({ "role": "test-role", "remote": true, "minSalary": 150000 })).await, vec!["p4"]);
    assert_eq!(list(json!({ "role": "test-role", "remote": true })).await, vec!["p1", "p4"]);
    assert_eq!(list(json!({ "skill": "rag" })).await, vec!["p1", "p3", "p4", "q1"]);
    assert_eq!(list(json!({ "role": "test-role", "openIn": WEEK, "seniority": "ENTRY" })).await, vec!["p4", "p7"]);
    assert_eq!(list(json!({ "company": "Zeta", "metro": "Oslo" })).await, vec!["q1"]);
    let unknown = app.gql(r#"{ postings(filter: { role: "ghost" }) { totalCount } }"#, json!({})).await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    let skills = app
        .gql(
            r#"{ role(slug: "test-role") { postings(filter: { skill: "python" }) { nodes { externalId skills } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        skills["data"]["role"]["postings"]["nodes"],
        json!([{ "externalId": "p1", "skills": ["Python", "RAG"] }, { "externalId": "p2", "skills": ["AWS", "Python"] }, { "externalId": "p6", "skills": ["Python"] }])
    );
}

async fn statements_for(app: &TestApp, query: &str) -> usize {
    let before = app.statements();
    let r = app.gql(query, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    app.statements() - before
}

#[tokio::test]
async fn a_dashboard_of_twenty_roles_runs_a_constant_number_of_statements() {
    let app = TestApp::spawn_with(TestOptions { demo: true, ..Default::default() }).await;
    let query =
        "{ roles(first: 20) { nodes { slug snapshot { medianSalary role { slug } } trend { week medianSalary } } } }";
    let with_8 = statements_for(&app, query).await;
    for i in 0..12 {
        fixtures::create_role(&app, &format!("extra-{i}"), &format!("Extra {i}")).await;
    }
    let with_20 = statements_for(&app, query).await;
    assert_eq!(with_8, with_20, "statements must not grow with the number of roles");
    assert!(with_20 <= 8, "{with_20} statements for one dashboard query");
}

#[tokio::test]
async fn admin_operations_need_the_token_and_change_nothing_without_it() {
    let app = TestApp::spawn().await;
    let mutation = r#"mutation { upsertRole(input: { slug: "sneaky", title: "Sneaky" }) { slug } }"#;
    for token in [None, Some("wrong-token-wrong-token")] {
        let (status, response) = app.gql_with(mutation, json!({}), token).await;
        assert_eq!(status, 200);
        assert_eq!(error_code(&response), Some("UNAUTHORIZED"), "{response}");
    }
    let roles = app.gql("{ roles { totalCount } }", json!({})).await;
    assert_eq!(roles["data"]["roles"]["totalCount"], 0);

    let closed =
        TestApp::spawn_with(TestOptions { env: vec![("ADMIN_TOKEN".into(), String::new())], ..Default::default() })
            .await;
    let (_, response) = closed.gql_with(mutation, json!({}), Some(ADMIN_TOKEN)).await;
    assert_eq!(error_code(&response), Some("UNAUTHORIZED"), "no ADMIN_TOKEN: refused altogether");
}

#[tokio::test]
async fn snapshot_published_pushes_recomputed_snapshots_over_graphql_ws() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    socket.send(Message::text(json!({ "type": "connection_init" }).to_string())).await.expect("init");
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or_default().contains("connection_ack"), "{ack:?}");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": r#"subscription { snapshotPublished(role: "other-role") { role { slug } week openPositions } }"#
    } });
    socket.send(Message::text(subscribe.to_string())).await.expect("subscribe");
    // Give the server a moment to register the subscription before publishing.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let recomputed = app
        .gql_as_admin(&format!(r#"mutation {{ recomputeSnapshots(week: "{WEEK}") {{ openPositions }} }}"#), json!({}))
        .await;
    assert!(recomputed["errors"].is_null(), "{recomputed}");
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("in time")
        .expect("message")
        .expect("ok");
    let payload: Value = serde_json::from_str(message.to_text().expect("text")).expect("json");
    assert_eq!(
        payload,
        json!({ "id": "1", "type": "next", "payload": { "data": { "snapshotPublished": { "role": { "slug": "other-role" }, "week": WEEK, "openPositions": 3 } } } })
    );
}

#[tokio::test]
async fn internal_errors_say_nothing_of_sql() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    app.db.execute_unprepared("DROP TABLE snapshot").await.expect("drop");
    let response = app.gql("{ market { totalOpenPositions } }", json!({})).await;
    assert_eq!(error_code(&response), Some("INTERNAL"), "{response}");
    assert_eq!(response["errors"][0]["message"], "internal error");
    let text = response.to_string().to_lowercase();
    assert!(!text.contains("snapshot") && !text.contains("select") && !text.contains("sql"), "{text}");
}
