//! Responses that browsers and shared caches may keep: `Cache-Control`, a strong `ETag`
//! over the body, and `304 Not Modified` when the client already holds that body.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Pages: fresh for a minute, so a new snapshot shows up soon.
pub const PAGE: &str = "public, max-age=60";
/// Files whose address changes with their content (versioned or fingerprinted).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The strong validator of a body: 96 bits of its SHA-256.
pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]))
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak forms match too, as RFC 9110
/// asks for this header.
fn already_held(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// A cacheable response: `304` without a body when the client holds it already.
pub fn respond(
    request: &HeaderMap,
    status: StatusCode,
    content_type: &'static str,
    cache_control: &'static str,
    etag: &str,
    body: impl Into<Body>,
) -> Response {
    let etag_value = HeaderValue::from_str(etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let cache = HeaderValue::from_static(cache_control);
    if status == StatusCode::OK && already_held(request, etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)])
            .into_response();
    }
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, etag_value),
        ],
        body.into(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_matches_its_etag_in_a_list_weak_or_star() {
        let tag = etag(b"page");
        assert_eq!(tag.len(), 26);
        let held = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).expect("header"));
            already_held(&headers, &tag)
        };
        assert!(held(&tag));
        assert!(held(&format!("\"other\", W/{tag}")));
        assert!(held("*"));
        assert!(!held("\"other\""));
        assert!(!already_held(&HeaderMap::new(), &tag));
    }
}
