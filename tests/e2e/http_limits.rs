//! HTTP under abuse: large bodies without the admin token, aliases that multiply work,
//! fragment bombs, made-up methods in the metrics, arguments of the wrong form, slow
//! headers and too many connections. Each is refused while valid requests alongside are
//! served.

use std::time::Duration;

use salarygraph_tests::{ADMIN_TOKEN, TestApp, error_code};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixtures::{self, posting};

/// POSTs a raw body to `/graphql`; returns the status and the JSON answer (null if none).
async fn post_body(app: &TestApp, body: String, token: Option<&str>) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POSTs a GraphQL body of about `kib` KiB in chunks of 1 KiB, without `Content-Length`;
/// returns the status.
async fn chunked_post(app: &TestApp, kib: usize) -> u16 {
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut parts = vec![r#"{"query":"{ roles { totalCount } }","variables":{"p":""#.to_owned()];
    parts.extend((0..kib).map(|_| "x".repeat(1024)));
    parts.push(r#""}}"#.to_owned());
    for part in parts {
        // The server may answer and close before the whole body is sent.
        if stream.write_all(format!("{:x}\r\n{part}\r\n", part.len()).as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {answer:?}"))
}

#[tokio::test]
async fn bodies_over_64_kib_need_the_admin_token() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "ml", "ML").await;
    let padded = |kib: usize| {
        json!({ "query": "{ roles { totalCount } }", "variables": { "padding": "x".repeat(kib * 1024) } }).to_string()
    };
    assert_eq!(post_body(&app, padded(60), None).await.0, 200, "under the anonymous limit");
    let (status, answer) = post_body(&app, padded(100), None).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(
        post_body(&app, padded(100), Some("wrong-token-wrong-token")).await.0,
        413,
        "a wrong token is anonymous"
    );
    // Sent without Content-Length (chunked): cut off at the limit all the same.
    assert_eq!(chunked_post(&app, 100).await, 413);
    assert_eq!(chunked_post(&app, 10).await, 200);

    // The admin may send a large ingest: 2,000 postings are about 400 KB.
    let rows: Vec<Value> =
        (0..2_000).map(|i| posting(&format!("big-{i}"), "ml", json!({ "title": "x".repeat(150) }))).collect();
    let body = json!({
        "query": "mutation($p: [PostingInput!]!) { ingestPostings(postings: $p) { inserted } }",
        "variables": { "p": rows }
    })
    .to_string();
    assert!(body.len() > 300 * 1024, "{}", body.len());
    let (status, answer) = post_body(&app, body.clone(), Some(ADMIN_TOKEN)).await;
    assert_eq!((status, &answer["data"]["ingestPostings"]["inserted"]), (200, &json!(2_000)), "{answer}");
    assert_eq!(post_body(&app, body, None).await.0, 413, "the same body without the token");
    // The pages' forms have the same limit.
    let form = app
        .client
        .post(format!("{}/subscribe", app.base_url))
        .form(&[("email", "x".repeat(100 * 1024))])
        .send()
        .await
        .expect("POST /subscribe");
    assert_eq!(form.status(), 413);
}

#[tokio::test]
async fn aliases_cannot_multiply_database_work() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    // A dashboard's handful of root fields is fine.
    let dashboard = r#"{ market { week } a: compareRoles(a: "test-role", b: "other-role") { week } roles { totalCount } role(slug: "test-role") { title } }"#;
    let ok = app.gql(dashboard, json!({})).await;
    assert!(ok["errors"].is_null(), "{ok}");

    let compare: String =
        (0..500).map(|i| format!(r#"c{i}: compareRoles(a: "test-role", b: "other-role") {{ week }} "#)).collect();
    let unsubscribe: String = (0..1_500).map(|i| format!(r#"u{i}: unsubscribe(token: "t{i}") "#)).collect();
    for document in [format!("{{ {compare} }}"), format!("mutation {{ {unsubscribe} }}")] {
        let before = app.statements();
        let (status, answer) = post_body(&app, json!({ "query": document }).to_string(), None).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(error_code(&answer), Some("GRAPHQL_VALIDATION_FAILED"), "{answer}");
        assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("root fields")), "{answer}");
        assert_eq!(app.statements(), before, "refused before any database work");
    }
    // Over GET too (where the 64 KiB body limit does not apply).
    let before = app.statements();
    let over_get = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .query(&[("query", format!("{{ {compare} }}"))])
        .send()
        .await
        .expect("GET");
    let answer: Value = over_get.json().await.expect("JSON");
    assert_eq!(error_code(&answer), Some("GRAPHQL_VALIDATION_FAILED"), "{answer}");
    assert_eq!(app.statements(), before);
    // Aliased through fragments, the same.
    let fragments = format!(
        "{{ ...A ...A }} fragment A on Query {{ {} }}",
        (0..6).map(|i| format!("m{i}: market {{ week }} ")).collect::<String>()
    );
    assert_eq!(error_code(&app.gql(&fragments, json!({})).await), Some("GRAPHQL_VALIDATION_FAILED"));

    // The admin has no root-field cap, but every database-backed field costs its share of
    // the complexity budget.
    let market: String = (0..300).map(|i| format!("m{i}: market {{ week }} ")).collect();
    let before = app.statements();
    let admin = app.gql_as_admin(&format!("{{ {market} }}"), json!({})).await;
    assert!(admin["errors"][0]["message"].as_str().is_some_and(|m| m.contains("too complex")), "{admin}");
    assert_eq!(app.statements(), before);
    let five: String = (0..5).map(|i| format!("m{i}: market {{ week }} ")).collect();
    assert!(app.gql_as_admin(&format!("{{ {five} }}"), json!({})).await["errors"].is_null());
}

#[tokio::test]
async fn fragment_bombs_and_directive_piles_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let mut bomb = String::from("{ ...F0 }");
    for i in 0..40 {
        bomb.push_str(&format!(" fragment F{i} on Query {{ ...F{n} ...F{n} }}", n = i + 1));
    }
    bomb.push_str(" fragment F40 on Query { roles { totalCount } }");
    let (status, answer) = post_body(&app, json!({ "query": bomb }).to_string(), Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("at most 10000")), "{answer}");

    let cycle = "{ ...A } fragment A on Query { ...B roles { totalCount } } fragment B on Query { ...A }";
    assert_eq!(error_code(&app.gql(cycle, json!({})).await), Some("GRAPHQL_VALIDATION_FAILED"));
    let piled = format!("{{ roles {} {{ totalCount }} }}", "@include(if: true) ".repeat(5));
    let answer = app.gql(&piled, json!({})).await;
    assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("directives")), "{answer}");
    assert!(app.gql("{ roles @include(if: true) { totalCount } }", json!({})).await["errors"].is_null());
}

#[tokio::test]
async fn every_argument_of_the_wrong_form_is_bad_user_input() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    // The issue's own example, as a literal and as a variable.
    let literal = app.gql(r#"{ market(week: "1999-13-40") { week } }"#, json!({})).await;
    assert_eq!(error_code(&literal), Some("BAD_USER_INPUT"), "{literal}");
    let variable = app.gql("query($w: Date) { market(week: $w) { week } }", json!({ "w": "1999-13-40" })).await;
    assert_eq!(error_code(&variable), Some("BAD_USER_INPUT"), "{variable}");
    assert!(variable["errors"][0]["message"].as_str().is_some_and(|m| m.contains("1999-13-40")), "{variable}");
    // A Tuesday is a date but not a week.
    let tuesday = app.gql(r#"{ market(week: "2026-11-17") { week } }"#, json!({})).await;
    assert_eq!(error_code(&tuesday), Some("BAD_USER_INPUT"), "{tuesday}");

    // Every argument of every field, given a value of the wrong type or form, the other
    // arguments right: the refusal is BAD_USER_INPUT.
    let schema = app.gql(SCHEMA, json!({})).await;
    let types: Vec<Value> = schema["data"]["__schema"]["types"].as_array().expect("types").clone();
    let mut tried = 0;
    for (operation, root) in [("query", "Query"), ("mutation", "Mutation")] {
        let root = types.iter().find(|t| t["name"] == root).expect("root type");
        for field in root["fields"].as_array().expect("fields") {
            let args = field["args"].as_array().expect("args");
            for wrong in args {
                // The argument itself wrong, then (for an input object) each of its fields.
                let mut cases = vec![(wrong_value(&wrong["type"]).to_owned(), None)];
                let input =
                    types.iter().find(|t| t["name"] == named(&wrong["type"])["name"] && t["kind"] == "INPUT_OBJECT");
                for field in input.and_then(|t| t["inputFields"].as_array()).into_iter().flatten() {
                    let name = field["name"].as_str().unwrap_or_default();
                    cases.push((
                        valid_value_with(&types, &wrong["type"], Some((name, wrong_value(&field["type"])))),
                        Some(name),
                    ));
                }
                for (value, nested) in cases {
                    let arguments: Vec<String> = args
                        .iter()
                        .filter(|a| a["name"] == wrong["name"] || a["type"]["kind"] == "NON_NULL")
                        .map(|a| {
                            let value = if a["name"] == wrong["name"] {
                                value.clone()
                            } else {
                                valid_value(&types, &a["type"])
                            };
                            format!("{}: {value}", a["name"].as_str().unwrap_or_default())
                        })
                        .collect();
                    let selection = if is_composite(&field["type"]) { " { __typename }" } else { "" };
                    let document = format!(
                        "{operation} {{ {}({}){selection} }}",
                        field["name"].as_str().unwrap_or_default(),
                        arguments.join(", ")
                    );
                    let answer = app.gql_with(&document, json!({}), Some(ADMIN_TOKEN)).await.1;
                    let codes: Vec<&str> = answer["errors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e["extensions"]["code"].as_str())
                        .collect();
                    assert!(
                        !codes.is_empty() && codes.iter().all(|c| *c == "BAD_USER_INPUT"),
                        "{document} ({nested:?}): {answer}"
                    );
                    tried += 1;
                }
            }
        }
    }
    assert!(tried >= 60, "every argument and input field was tried: {tried}");
}

const SCHEMA: &str = "{ __schema { types { kind name
    fields { name type { ...Ref } args { name type { ...Ref } } }
    inputFields { name defaultValue type { ...Ref } }
    enumValues { name } } } }
  fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// The named type under NON_NULL and LIST wrappers.
fn named(ty: &Value) -> &Value {
    let mut ty = ty;
    while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
        ty = &ty["ofType"];
    }
    ty
}

fn is_composite(ty: &Value) -> bool {
    matches!(named(ty)["kind"].as_str(), Some("OBJECT" | "INTERFACE" | "UNION"))
}

/// A literal of the argument's type.
fn valid_value(types: &[Value], ty: &Value) -> String {
    valid_value_with(types, ty, None)
}

/// [`valid_value`], one input field (name, literal) given instead.
fn valid_value_with(types: &[Value], ty: &Value, instead: Option<(&str, &str)>) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => return valid_value_with(types, &ty["ofType"], instead),
        Some("LIST") => return format!("[{}]", valid_value_with(types, &ty["ofType"], instead)),
        _ => {}
    }
    let name = ty["name"].as_str().unwrap_or_default();
    let full = types.iter().find(|t| t["name"] == name).expect("a type");
    match (full["kind"].as_str(), name) {
        (_, "Int") => "1".into(),
        (_, "Float") => "1.5".into(),
        (_, "Boolean") => "true".into(),
        (_, "Date") => r#""2026-11-16""#.into(),
        (Some("ENUM"), _) => full["enumValues"][0]["name"].as_str().unwrap_or_default().to_owned(),
        (Some("INPUT_OBJECT"), _) => {
            let fields: Vec<String> = full["inputFields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| {
                    let name = f["name"].as_str().unwrap_or_default();
                    match instead {
                        Some((field, literal)) if field == name => Some(format!("{name}: {literal}")),
                        _ if f["type"]["kind"] == "NON_NULL" && f["defaultValue"].is_null() => {
                            Some(format!("{name}: {}", valid_value(types, &f["type"])))
                        }
                        _ => None,
                    }
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        _ => r#""x""#.into(),
    }
}

/// A literal that is not of the argument's type, or not of its form.
fn wrong_value(ty: &Value) -> &'static str {
    let ty = named(ty);
    match (ty["kind"].as_str(), ty["name"].as_str()) {
        (_, Some("Date")) => r#""1999-13-40""#,
        (_, Some("Int" | "Float")) => r#""many""#,
        (_, Some("Boolean")) => "12",
        (Some("ENUM"), _) => "NOT_A_VALUE",
        (Some("INPUT_OBJECT"), _) => "12",
        _ => "{ nested: 1 }",
    }
}

#[tokio::test]
async fn made_up_methods_do_not_make_new_metric_series() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let method = reqwest::Method::from_bytes(format!("FOO{i}").as_bytes()).expect("a method");
        let _ = app.client.request(method, format!("{}/graphql", app.base_url)).send().await.expect("sent");
    }
    let page =
        app.client.get(format!("{}/metrics", app.base_url)).send().await.expect("metrics").text().await.expect("text");
    assert!(!page.contains("FOO"), "{page}");
    assert!(page.contains(r#"method="other""#), "{page}");
    let methods: std::collections::BTreeSet<&str> =
        page.lines().filter_map(|l| l.split("method=\"").nth(1)).filter_map(|m| m.split('"').next()).collect();
    let known = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "other"];
    assert!(methods.iter().all(|m| known.contains(m)), "{methods:?}");
}

#[tokio::test]
async fn pages_and_graphiql_send_security_headers_and_graphiql_can_be_turned_off() {
    let app = TestApp::spawn().await;
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    for (path, accept) in
        [("/subscribe", "text/html"), ("/graphql", "text/html"), ("/unsubscribe?token=x", "text/html")]
    {
        let response =
            app.client.get(format!("{}{path}", app.base_url)).header("accept", accept).send().await.expect("GET");
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("content-security-policy").as_deref(), Some(csp), "{path}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{path}");
    }
    let api = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({ "query": "{ roles { totalCount } }" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(api.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));

    let off = TestApp::spawn_with_env(&[("GRAPHIQL", "false")]).await;
    let page = off
        .client
        .get(format!("{}/graphql", off.base_url))
        .header("accept", "text/html,*/*")
        .send()
        .await
        .expect("GET");
    assert_ne!(page.status(), 200);
    assert!(!page.text().await.expect("text").contains("GraphiQL"));
    assert!(off.gql("{ roles { totalCount } }", json!({})).await["errors"].is_null(), "the API itself still answers");
}

#[tokio::test]
async fn slow_headers_time_out_and_connections_beyond_the_cap_wait() {
    let app = TestApp::spawn_with_env(&[("MAX_CONNECTIONS", "2"), ("HEADER_READ_TIMEOUT_SECONDS", "2")]).await;
    // Two connections that send half a request line and then nothing.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(app.addr).await.expect("connect");
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A third waits: the cap is taken.
    let waiting = app.client.get(format!("{}/healthz", app.base_url)).timeout(Duration::from_millis(800)).send().await;
    assert!(waiting.is_err(), "served beyond the cap: {waiting:?}");
    // Within the header timeout the slow ones are closed and the next request is served.
    let served = app.client.get(format!("{}/healthz", app.base_url)).timeout(Duration::from_secs(10)).send().await;
    assert_eq!(served.expect("served once the slow ones are gone").status(), 200);
    for mut stream in slow {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(matches!(read, Ok(Ok(_)) | Ok(Err(_))), "closed by the server");
        assert!(!String::from_utf8_lossy(&rest).contains("200 OK"), "never answered");
    }
}
