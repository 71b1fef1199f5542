//! One span and one log line per request: its id (taken from `X-Request-Id` or made, and
//! returned), method, route, GraphQL operation, status and latency; and the HTTP metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use tracing::Instrument;

/// The header that carries the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// The request's id, for handlers that want to mention it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client's id is kept when it is short and printable, so it can go into logs as is.
fn usable(id: &HeaderValue) -> Option<String> {
    let id = id.to_str().ok()?;
    let ok = !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| id.to_owned())
}

fn new_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The middleware: wraps the request in a span, logs its outcome, counts it.
pub async fn trace_request(mut request: Request, next: Next) -> Response {
    let id = request.headers().get(REQUEST_ID).and_then(usable).unwrap_or_else(new_id);
    // The route pattern, never the raw path: query strings carry tokens, and raw paths
    // would make a metric series per URL.
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().clone();
    let span = tracing::info_span!("request", id = %id, %method, %route, operation = tracing::field::Empty);
    request.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, latency_ms = latency.as_secs_f64() * 1000.0, "request"));
    metrics::counter!(
        "http_requests_total",
        "route" => route.clone(),
        "method" => method_label(&method),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route).record(latency.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The method as a metric label: the standard ones, `other` for anything a client made up,
/// so that `FOO1`, `FOO2`, … do not each add a series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
        let made_up = axum::http::Method::from_bytes(b"FOO1").expect("a method");
        assert_eq!(method_label(&made_up), "other");
    }

    #[test]
    fn client_ids_are_kept_only_when_short_and_printable() {
        assert_eq!(usable(&HeaderValue::from_static("abc-123")), Some("abc-123".into()));
        assert_eq!(usable(&HeaderValue::from_static("has space")), None);
        assert_eq!(usable(&HeaderValue::from_str(&"x".repeat(129)).expect("header")), None);
        assert_eq!(new_id().len(), 16);
    }
}
