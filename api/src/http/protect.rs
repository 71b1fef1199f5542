//! Middleware every request passes: who the client is, how large a body it may send, and
//! the headers that keep browsers from sniffing, framing or leaking the pages' URLs.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::HttpState;
use crate::auth::BearerToken;
use crate::client::ClientIp;

/// Largest request body with the admin token (a 10,000-posting ingest fits).
pub const MAX_ADMIN_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest request body without it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The pages' policy: only this service's own scripts, styles and images (and inline
/// images), in no frame, forms posting only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Puts the client's address on the request (`ClientIp`), per `TRUSTED_PROXIES`.
pub async fn client_address(State(state): State<HttpState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    // Without a socket address (a test calling the router directly) the client is unknown:
    // it counts as one shared client rather than escaping the limits.
    let peer = peer.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client = state.app.http.trusted_proxies.client_ip(peer, request.headers());
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

/// Caps the body: [`MAX_BODY_BYTES`], or [`MAX_ADMIN_BODY_BYTES`] once the request's bearer
/// token is the admin token, checked before a byte of the body is read. A declared length
/// over the cap is refused at once; a body without one is cut off at the cap, and the
/// handler reading it answers 413.
pub async fn limit_body(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let presented = BearerToken::from_headers(request.headers());
    let limit = if crate::auth::is_admin_token(&state.app, presented.0.as_deref()) {
        MAX_ADMIN_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    if declared_length(request.headers()).is_some_and(|length| length > limit as u64) {
        return too_large(request.uri().path(), limit);
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

/// 413, in GraphQL's form on `/graphql`.
fn too_large(path: &str, limit: usize) -> Response {
    let message = if limit == MAX_BODY_BYTES {
        format!("request body too large: at most {} KiB without the admin token", limit / 1024)
    } else {
        format!("request body too large: at most {} MiB", limit / (1024 * 1024))
    };
    if path.starts_with("/graphql") {
        let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
        let json = HeaderValue::from_static("application/json");
        return (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, json)], body.to_string()).into_response();
    }
    (StatusCode::PAYLOAD_TOO_LARGE, message).into_response()
}

/// `nosniff` and `no-referrer` on every response; on HTML (the pages and GraphiQL), the
/// content security policy as well.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
