//! `/graphql/ws` under abuse: sockets that never initialise, clients that stop answering,
//! huge messages, queries and mutations over the socket, too many subscriptions, too many
//! connections, other sites' pages. Each is refused while a well-behaved subscriber on the
//! same server keeps getting its snapshots.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use salarygraph_tests::TestApp;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::fixtures::{self, WEEK};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SNAPSHOTS: &str = r#"subscription { snapshotPublished(role: "other-role") { role { slug } week } }"#;

async fn app_with(env: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn_with_env(env).await;
    fixtures::load(&app).await;
    app
}

/// Opens `/graphql/ws` with `graphql-transport-ws` and these extra headers.
async fn open(app: &TestApp, headers: &[(&str, &str)]) -> Result<Socket, WsError> {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    for (name, value) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).expect("header name");
        request.headers_mut().insert(name, value.parse().expect("header value"));
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

/// The HTTP status a refused upgrade answered.
fn refused_with(result: Result<Socket, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("refused otherwise: {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.expect("send");
}

/// The next text message, as JSON (pings are answered by the client library).
async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("readable");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

/// How the server ended the socket: its close code, waiting at most `within`.
async fn close_code(socket: &mut Socket, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => panic!("still open after {within:?}"),
            Ok(None | Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// A socket that initialised and subscribed to `other-role`'s snapshots.
async fn subscriber(app: &TestApp) -> Socket {
    let mut socket = open(app, &[]).await.expect("connect");
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "id": "s", "type": "subscribe", "payload": { "query": SNAPSHOTS } })).await;
    socket
}

/// Recomputes the week and checks that `socket` is told about it.
async fn still_served(app: &TestApp, socket: &mut Socket) {
    // The subscription is registered a moment after the message arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mutation = format!(r#"mutation {{ recomputeSnapshots(week: "{WEEK}", force: true) {{ week }} }}"#);
    let recomputed = app.gql_as_admin(&mutation, json!({})).await;
    assert!(recomputed["errors"].is_null(), "{recomputed}");
    let next = next_json(socket).await;
    assert_eq!(next["payload"]["data"]["snapshotPublished"]["role"]["slug"], "other-role", "{next}");
    let over_http = app.gql("{ roles { totalCount } }", json!({})).await;
    assert_eq!(over_http["data"]["roles"]["totalCount"], 2, "{over_http}");
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_after_ten_seconds() {
    let app = app_with(&[]).await;
    let mut silent = open(&app, &[]).await.expect("connect");
    let mut good = subscriber(&app).await;
    assert_eq!(close_code(&mut silent, Duration::from_secs(15)).await, Some(4408));
    still_served(&app, &mut good).await;
}

#[tokio::test]
async fn the_server_pings_and_drops_a_client_that_stopped_answering() {
    let app = app_with(&[("WS_KEEPALIVE_SECONDS", "1")]).await;
    let mut good = subscriber(&app).await;
    let mut gone = subscriber(&app).await;
    // The client library answers pings while it reads; `gone` stops reading.
    let mut pings = 0;
    let reading = async {
        loop {
            if let Some(Ok(Message::Ping(_))) = good.next().await {
                pings += 1;
                // By the fifth ping `gone` has been silent for more than two intervals.
                if pings == 5 {
                    break;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), reading).await.expect("five pings within fifteen seconds");
    // Closed with 1001, or, when the client library's late pongs hit the closed socket
    // first, simply gone.
    let closed = close_code(&mut gone, Duration::from_secs(5)).await;
    assert!(matches!(closed, Some(1001) | None), "silent for more than two pings: {closed:?}");
    still_served(&app, &mut good).await;
}

#[tokio::test]
async fn a_message_over_64_kib_closes_the_socket() {
    let app = app_with(&[]).await;
    let mut good = subscriber(&app).await;
    let mut big = open(&app, &[]).await.expect("connect");
    send(&mut big, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut big).await["type"], "connection_ack");
    let query = format!("subscription {{ snapshotPublished {{ week }} }} # {}", "x".repeat(70 * 1024));
    let _ = big
        .send(Message::text(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }).to_string()))
        .await;
    assert!(matches!(close_code(&mut big, Duration::from_secs(5)).await, Some(1009) | None));
    // A message just under the limit is read as usual.
    let mut fine = open(&app, &[]).await.expect("connect");
    let padding = "x".repeat(60 * 1024);
    send(&mut fine, json!({ "type": "connection_init", "payload": { "padding": padding } })).await;
    assert_eq!(next_json(&mut fine).await["type"], "connection_ack");
    still_served(&app, &mut good).await;
}

#[tokio::test]
async fn only_subscriptions_run_over_a_socket_and_only_a_few_at_once() {
    let app = app_with(&[("WS_MAX_SUBSCRIPTIONS", "2")]).await;
    let mut socket = open(&app, &[]).await.expect("connect");
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    for (id, query) in [("q", "{ roles { totalCount } }"), ("m", r#"mutation { unsubscribe(token: "x") }"#)] {
        send(&mut socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query } })).await;
        let refused = next_json(&mut socket).await;
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["id"], id);
        assert_eq!(refused["payload"][0]["extensions"]["code"], "BAD_REQUEST", "{refused}");
        assert!(refused["payload"][0]["message"].as_str().is_some_and(|m| m.contains("POST /graphql")), "{refused}");
    }
    for id in ["a", "b", "c"] {
        send(&mut socket, json!({ "id": id, "type": "subscribe", "payload": { "query": SNAPSHOTS } })).await;
    }
    let refused = next_json(&mut socket).await;
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("c")), "{refused}");
    assert!(refused["payload"][0]["message"].as_str().is_some_and(|m| m.contains("at most 2")), "{refused}");
    // Completing one makes room for another; both running ones are served.
    send(&mut socket, json!({ "id": "a", "type": "complete" })).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    send(&mut socket, json!({ "id": "d", "type": "subscribe", "payload": { "query": SNAPSHOTS } })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mutation = format!(r#"mutation {{ recomputeSnapshots(week: "{WEEK}", force: true) {{ week }} }}"#);
    assert!(app.gql_as_admin(&mutation, json!({})).await["errors"].is_null());
    let mut told: Vec<String> = Vec::new();
    while told.len() < 2 {
        let message = next_json(&mut socket).await;
        if message == json!({ "type": "complete", "id": "a" }) {
            continue;
        }
        assert_eq!(message["type"], "next", "{message}");
        told.push(message["id"].as_str().unwrap_or_default().to_owned());
    }
    told.sort();
    assert_eq!(told, ["b", "d"]);
    // Reusing the id of a running subscription ends the connection, as the protocol says.
    send(&mut socket, json!({ "id": "b", "type": "subscribe", "payload": { "query": SNAPSHOTS } })).await;
    assert_eq!(close_code(&mut socket, Duration::from_secs(5)).await, Some(4409));
}

#[tokio::test]
async fn connections_are_capped_per_client_and_in_all_counting_forwarded_clients() {
    let app = app_with(&[
        ("WS_MAX_CONNECTIONS_PER_CLIENT", "2"),
        ("WS_MAX_CONNECTIONS", "3"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let a = [("X-Forwarded-For", "198.51.100.1")];
    let mut first = subscriber(&app).await;
    let _second = open(&app, &[]).await.expect("the second of 127.0.0.1");
    assert_eq!(refused_with(open(&app, &[]).await), 429, "a third from the same client");
    // Behind the trusted proxy each forwarded client counts on its own.
    let _a1 = open(&app, &a).await.expect("another client");
    assert_eq!(refused_with(open(&app, &[("X-Forwarded-For", "198.51.100.2")]).await), 503, "three in all");
    still_served(&app, &mut first).await;
    // A closed connection gives its place back.
    drop(_second);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _b1 = open(&app, &[("X-Forwarded-For", "198.51.100.2")]).await.expect("room again");
}

#[tokio::test]
async fn pages_of_other_origins_may_not_open_sockets_when_cors_origins_is_set() {
    let app = app_with(&[("CORS_ORIGINS", "https://dash.example")]).await;
    assert_eq!(refused_with(open(&app, &[("Origin", "https://evil.example")]).await), 403);
    let mut listed = open(&app, &[("Origin", "https://dash.example")]).await.expect("a listed origin");
    let own = format!("http://{}", app.addr);
    open(&app, &[("Origin", own.as_str())]).await.expect("the service's own pages");
    open(&app, &[]).await.expect("a client that is not a browser");
    send(&mut listed, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut listed).await["type"], "connection_ack");
}
