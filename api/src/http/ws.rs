//! `/graphql/ws`: subscriptions over WebSocket (`graphql-transport-ws`, and the older
//! `graphql-ws`), under limits of their own. The browser's `Origin` is checked against
//! `CORS_ORIGINS`; each client address and the whole process have a connection cap; a
//! connection must send `connection_init` within 10 s, answers keep-alive pings, sends
//! messages of at most 64 KiB, and runs at most a few subscriptions, and only subscriptions:
//! queries and mutations go over HTTP, where their limits are.
//!
//! async-graphql's protocol machine does the GraphQL side; this module sits between it and
//! the socket, reading what the client sends before passing it on.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::HttpState;
use crate::client::{ClientIp, ClientKey};
use crate::config::CorsOrigins;
use crate::graphql::GuardedSchema;

/// Largest message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Time a new connection has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages from a client waiting for the GraphQL side; more means a flood.
const INBOX: usize = 32;

/// The limits of `/graphql/ws` (settings `WS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsLimits {
    /// Open connections in all (`WS_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Open connections per client address, an IPv6 /64 counting as one (`WS_MAX_CONNECTIONS_PER_CLIENT`).
    pub max_connections_per_client: usize,
    /// Subscriptions running at once on one connection (`WS_MAX_SUBSCRIPTIONS`).
    pub max_subscriptions: usize,
    /// Time between keep-alive pings; a client silent for two of them is dropped (`WS_KEEPALIVE_SECONDS`).
    pub keepalive: Duration,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            max_connections: 1_000,
            max_connections_per_client: 8,
            max_subscriptions: 16,
            keepalive: Duration::from_secs(30),
        }
    }
}

/// The open connections, in all and per client.
pub struct WsConnections {
    limits: WsLimits,
    open: Mutex<OpenConnections>,
}

#[derive(Default)]
struct OpenConnections {
    total: usize,
    // One entry per client with a connection open: at most `max_connections` entries.
    per_client: HashMap<ClientKey, usize>,
}

/// Why a connection was refused before the upgrade.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// This client has its share open already.
    ClientFull,
    /// The process has as many as it takes.
    ServerFull,
}

/// A connection's place in the counts, given back when the connection ends.
pub struct WsSlot {
    connections: Arc<WsConnections>,
    client: ClientKey,
}

impl Drop for WsSlot {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_client.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

impl WsConnections {
    /// No connection open yet.
    pub fn new(limits: WsLimits) -> Arc<Self> {
        Arc::new(Self { limits, open: Mutex::default() })
    }

    fn acquire(self: &Arc<Self>, client: ClientKey) -> Result<WsSlot, Refused> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.limits.max_connections {
            return Err(Refused::ServerFull);
        }
        let mine = open.per_client.entry(client).or_insert(0);
        if *mine >= self.limits.max_connections_per_client {
            return Err(Refused::ClientFull);
        }
        *mine += 1;
        open.total += 1;
        Ok(WsSlot { connections: Arc::clone(self), client })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).total
    }
}

/// Whether a browser page from `Origin` may open the socket: any page when `CORS_ORIGINS`
/// is unset or `*`, else the listed origins and the service's own pages. Clients that are
/// not browsers send no `Origin` and are let through: the check stops other sites' scripts.
fn origin_allowed(origins: &CorsOrigins, headers: &HeaderMap) -> bool {
    let CorsOrigins::List(list) = origins else { return true };
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    if list.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let own = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    !host.is_empty() && own.is_some_and(|own| own.eq_ignore_ascii_case(host))
}

/// `GET /graphql/ws`: checks the origin and the connection caps, then upgrades.
pub async fn graphql_ws(
    State(state): State<HttpState>,
    Extension(client): Extension<ClientIp>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = protocol_of(&headers) else {
        let message = "Sec-WebSocket-Protocol must name graphql-transport-ws or graphql-ws";
        return (StatusCode::BAD_REQUEST, message).into_response();
    };
    if !origin_allowed(&state.app.cors_origins, &headers) {
        return (StatusCode::FORBIDDEN, "this origin may not open /graphql/ws: see CORS_ORIGINS").into_response();
    }
    let slot = match state.ws.acquire(client.key()) {
        Ok(slot) => slot,
        Err(Refused::ClientFull) => {
            let message = "too many WebSocket connections from this address: close one first";
            return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
        }
        Err(Refused::ServerFull) => {
            let message = "the service has as many WebSocket connections as it takes: try again later";
            return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "30")], message).into_response();
        }
    };
    let (schema, limits) = (state.schema.clone(), state.ws.limits);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let mut data = Data::default();
            data.insert(client);
            serve(socket, schema, protocol, data, limits).await;
            drop(slot);
        })
}

/// What this module reads of a client message.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<serde_json::Value>,
}

/// What the GraphQL side said, as far as the limits care.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// What to do with a client message.
enum Verdict {
    /// Hand it to the GraphQL side.
    Pass,
    /// Answer this subscription with an error, and hand nothing on.
    Refuse { id: String, message: String },
    /// Close the connection (code, reason).
    Close(u16, String),
}

/// One connection's bookkeeping.
struct Connection {
    protocol: WebSocketProtocols,
    max_subscriptions: usize,
    initialised: bool,
    /// Subscriptions running, by the client's id.
    running: HashSet<String>,
}

impl Connection {
    fn judge(&mut self, text: &[u8]) -> Verdict {
        // Unreadable messages go on: the protocol machine closes the socket for them.
        let Ok(message) = serde_json::from_slice::<Envelope>(text) else { return Verdict::Pass };
        match (message.kind.as_str(), message.id) {
            ("subscribe" | "start", Some(id)) if self.initialised => self.judge_subscribe(id, message.payload),
            ("complete" | "stop", Some(id)) => {
                self.running.remove(&id);
                Verdict::Pass
            }
            _ => Verdict::Pass,
        }
    }

    fn judge_subscribe(&mut self, id: String, payload: Option<serde_json::Value>) -> Verdict {
        if self.running.contains(&id) {
            return Verdict::Close(4409, format!("Subscriber for {id} already exists"));
        }
        let mut request = payload.and_then(|p| serde_json::from_value::<async_graphql::Request>(p).ok());
        let kind = request.as_mut().and_then(super::graphql::operation_type);
        if matches!(kind, Some(OperationType::Query | OperationType::Mutation)) {
            let message = "only subscriptions run over WebSocket: send queries and mutations to POST /graphql";
            return Verdict::Refuse { id, message: message.to_owned() };
        }
        if self.running.len() >= self.max_subscriptions {
            let message = format!("at most {} subscriptions at once per connection", self.max_subscriptions);
            return Verdict::Refuse { id, message };
        }
        self.running.insert(id);
        Verdict::Pass
    }

    /// Notes what the GraphQL side sends: the handshake's end, finished subscriptions.
    fn observe(&mut self, text: &str) {
        // Every server message starts with its type; only two matter here.
        if !(text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"connection_ack""#)) {
            return;
        }
        let Ok(reply) = serde_json::from_str::<Reply>(text) else { return };
        match (reply.kind.as_str(), reply.id) {
            ("connection_ack", _) => self.initialised = true,
            ("complete", Some(id)) => {
                self.running.remove(&id);
            }
            _ => {}
        }
    }

    /// The protocol's error message for one subscription.
    fn error(&self, id: &str, message: &str) -> String {
        let error = serde_json::json!({ "message": message, "extensions": { "code": "BAD_REQUEST" } });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
            WebSocketProtocols::SubscriptionsTransportWS => error,
        };
        serde_json::json!({ "id": id, "type": "error", "payload": payload }).to_string()
    }
}

fn close(code: u16, reason: impl Into<String>) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into().into() }))
}

/// Runs one connection until either side ends it or a limit does.
async fn serve(socket: WebSocket, schema: GuardedSchema, protocol: WebSocketProtocols, data: Data, limits: WsLimits) {
    let (mut sink, mut incoming) = socket.split();
    let (inbox, received) = mpsc::channel::<Vec<u8>>(INBOX);
    let graphql =
        async_graphql::http::WebSocket::new(schema, ReceiverStream::new(received), protocol).connection_data(data);
    futures::pin_mut!(graphql);
    let mut connection = Connection {
        protocol,
        max_subscriptions: limits.max_subscriptions,
        initialised: false,
        running: HashSet::new(),
    };
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    futures::pin_mut!(init_deadline);
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + limits.keepalive, limits.keepalive);
    let mut last_heard = Instant::now();
    let last_word = loop {
        tokio::select! {
            message = incoming.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        last_heard = Instant::now();
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | None => break None,
                    // Too large a message, or a broken frame.
                    Some(Err(error)) => break Some(close(1009, format!("message refused: {error}"))),
                };
                last_heard = Instant::now();
                match connection.judge(&text) {
                    Verdict::Pass => {
                        if inbox.try_send(text).is_err() {
                            break Some(close(1008, "too many messages at once"));
                        }
                    }
                    Verdict::Refuse { id, message } => {
                        if sink.send(Message::Text(connection.error(&id, &message).into())).await.is_err() {
                            break None;
                        }
                    }
                    Verdict::Close(code, reason) => break Some(close(code, reason)),
                }
            }
            reply = graphql.next() => match reply {
                Some(WsMessage::Text(text)) => {
                    connection.observe(&text);
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break None;
                    }
                }
                Some(WsMessage::Close(code, reason)) => break Some(close(code, reason)),
                None => break None,
            },
            () = &mut init_deadline, if !connection.initialised => {
                break Some(close(4408, "Connection initialisation timeout"));
            }
            _ = pings.tick() => {
                if last_heard.elapsed() > limits.keepalive * 2 {
                    break Some(close(1001, "no answer to keep-alive pings"));
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(message) = last_word {
        let _ = sink.send(message).await;
    }
    let _ = sink.close().await;
}

/// The first GraphQL protocol the client offers in `Sec-WebSocket-Protocol`.
fn protocol_of(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| offered.split(',').find_map(|p| p.trim().parse::<WebSocketProtocols>().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(max_subscriptions: usize) -> Connection {
        Connection {
            protocol: WebSocketProtocols::GraphQLWS,
            max_subscriptions,
            initialised: true,
            running: HashSet::new(),
        }
    }

    fn subscribe(id: &str, query: &str) -> Vec<u8> {
        serde_json::json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string().into_bytes()
    }

    #[test]
    fn only_subscriptions_pass_and_at_most_the_cap_at_once() {
        let mut c = connection(2);
        assert!(matches!(c.judge(&subscribe("1", "subscription { snapshotPublished { week } }")), Verdict::Pass));
        assert!(matches!(c.judge(&subscribe("2", "{ roles { totalCount } }")), Verdict::Refuse { .. }));
        assert!(matches!(c.judge(&subscribe("3", "mutation { unsubscribe(token: \"x\") }")), Verdict::Refuse { .. }));
        assert!(matches!(c.judge(&subscribe("4", "subscription { snapshotPublished { week } }")), Verdict::Pass));
        assert!(matches!(
            c.judge(&subscribe("5", "subscription { snapshotPublished { week } }")),
            Verdict::Refuse { .. }
        ));
        assert!(matches!(
            c.judge(&subscribe("1", "subscription { snapshotPublished { week } }")),
            Verdict::Close(4409, _)
        ));
        c.observe(r#"{"type":"complete","id":"1"}"#);
        assert!(matches!(c.judge(&subscribe("6", "subscription { snapshotPublished { week } }")), Verdict::Pass));
        let stop = serde_json::json!({ "id": "4", "type": "complete" }).to_string().into_bytes();
        assert!(matches!(c.judge(&stop), Verdict::Pass));
        assert_eq!(c.running.len(), 1);
    }

    #[test]
    fn connection_caps_count_per_client_and_in_all() {
        let limits = WsLimits { max_connections: 3, max_connections_per_client: 2, ..WsLimits::default() };
        let connections = WsConnections::new(limits);
        let (a, b, c) = (ClientKey::V4(1), ClientKey::V4(2), ClientKey::V4(3));
        let a1 = connections.acquire(a).expect("a1");
        let _a2 = connections.acquire(a).expect("a2");
        assert_eq!(connections.acquire(a).err(), Some(Refused::ClientFull));
        let _b1 = connections.acquire(b).expect("b1");
        assert_eq!(connections.acquire(c).err(), Some(Refused::ServerFull));
        drop(a1);
        assert_eq!(connections.open(), 2);
        assert!(connections.acquire(c).is_ok());
    }

    #[test]
    fn origins_are_checked_only_against_a_list() {
        let list = CorsOrigins::List(vec!["https://dash.example".into()]);
        let headers = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, "api.example:8000".parse().expect("host"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, o.parse().expect("origin"));
            }
            h
        };
        assert!(origin_allowed(&list, &headers(Some("https://dash.example"))));
        assert!(origin_allowed(&list, &headers(Some("http://api.example:8000"))), "its own pages");
        assert!(origin_allowed(&list, &headers(None)), "not a browser");
        assert!(!origin_allowed(&list, &headers(Some("https://evil.example"))));
        assert!(origin_allowed(&CorsOrigins::None, &headers(Some("https://evil.example"))));
        assert!(origin_allowed(&CorsOrigins::Any, &headers(Some("https://evil.example"))));
    }
}
