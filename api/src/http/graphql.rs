//! GraphQL over HTTP as clients expect it: POST JSON, GET for queries only (405 for a
//! mutation), `application/graphql-response+json` when asked for (with 4xx and no `data` for
//! requests that fail to parse or validate), 415 for other content types, 429 when rate
//! limited; Apollo's automatic persisted queries; `Cache-Control` that lets shared caches keep
//! anonymous GET queries for a short while and nothing else.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value as Json;

use super::persisted::{PersistedError, resolve_persisted};
use super::response_cache::{CacheKey, CachedAnswer};
use super::{HttpState, graphiql};
use crate::auth::BearerToken;
pub use crate::client::ClientIp;
use crate::graphql::guard::was_executed;
use crate::graphql::limits;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const BODY_SHAPE: &str =
    "body must be {\"query\": string, \"variables\"?: object, \"operationName\"?: string, \"extensions\"?: object}";
/// Anonymous, error-free GET queries: short enough that dashboards see new snapshots soon.
const CACHE_PUBLIC: &str = "public, max-age=30";
/// Everything else: answers to POST, errors and requests with credentials.
const CACHE_NONE: &str = "no-store";

/// The answer to a request whose persisted query cannot be used.
fn persisted_error_response(error: PersistedError, media: &'static str) -> Response {
    match error {
        PersistedError::Malformed(message) => error_response(StatusCode::BAD_REQUEST, media, message),
        PersistedError::NotFound => {
            error_with_code(StatusCode::OK, media, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        }
        PersistedError::Mismatch => {
            error_with_code(StatusCode::BAD_REQUEST, media, "provided sha does not match query", "BAD_USER_INPUT")
        }
    }
}

/// The client's address, as `protect::client_address` found it.
fn client_ip(request: &Request) -> ClientIp {
    request.extensions().get::<ClientIp>().copied().unwrap_or(ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
}

/// Which media type the response uses, from `Accept`.
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(JSON);
    };
    let types: Vec<&str> = accept.split(',').map(|t| t.split(';').next().unwrap_or("").trim()).collect();
    if types.contains(&GRAPHQL_RESPONSE_JSON) {
        Some(GRAPHQL_RESPONSE_JSON)
    } else if types.iter().any(|t| *t == JSON || *t == "*/*" || *t == "application/*") {
        Some(JSON)
    } else {
        None
    }
}

/// A response of one error and no `data`, never cached.
fn error_with_code(status: StatusCode, media: &'static str, message: &str, code: &'static str) -> Response {
    // Refused before the schema runs, so the schema's extension does not count these.
    metrics::counter!("graphql_errors_total", "code" => code).increment(1);
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media)),
            (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_NONE)),
        ],
        body.to_string(),
    )
        .into_response()
}

fn error_response(status: StatusCode, media: &'static str, message: &str) -> Response {
    error_with_code(status, media, message, "BAD_REQUEST")
}

fn not_acceptable() -> Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        JSON,
        "Accept: use application/graphql-response+json or application/json",
    )
}

/// The type of the operation a request runs, if its document parses and names one.
pub(super) fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    limits::operation(document, name.as_deref()).map(|(ty, _)| ty)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// The request of a query string; its query is empty when only a persisted hash is sent.
fn parse_get(raw: &str) -> Result<async_graphql::Request, String> {
    let params: QueryParams = serde_urlencoded::from_str(raw).map_err(|e| format!("query string: {e}"))?;
    let mut request = async_graphql::Request::new(params.query.unwrap_or_default());
    request.operation_name = params.operation_name;
    if let Some(vars) = params.variables {
        let value: Json = serde_json::from_str(&vars).map_err(|e| format!("variables: {e}"))?;
        request.variables = async_graphql::Variables::from_json(value);
    }
    if let Some(ext) = params.extensions {
        request.extensions = serde_json::from_str(&ext).map_err(|e| format!("extensions: {e}"))?;
    }
    Ok(request)
}

/// The request of a POST body; its query is empty when only a persisted hash is sent.
/// Each member is checked for its type so that a wrong one is a 400, not a GraphQL error.
fn parse_post(body: Json) -> Result<async_graphql::Request, &'static str> {
    let Json::Object(mut body) = body else { return Err(BODY_SHAPE) };
    let query = match body.remove("query") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(query)) => query,
        Some(_) => return Err(BODY_SHAPE),
    };
    let mut request = async_graphql::Request::new(query);
    request.operation_name = match body.remove("operationName") {
        None | Some(Json::Null) => None,
        Some(Json::String(name)) => Some(name),
        Some(_) => return Err(BODY_SHAPE),
    };
    match body.remove("variables") {
        None | Some(Json::Null) => {}
        Some(variables @ Json::Object(_)) => request.variables = async_graphql::Variables::from_json(variables),
        Some(_) => return Err(BODY_SHAPE),
    }
    match body.remove("extensions") {
        None | Some(Json::Null) => {}
        Some(extensions @ Json::Object(_)) => {
            request.extensions = serde_json::from_value(extensions).map_err(|_| BODY_SHAPE)?;
        }
        Some(_) => return Err(BODY_SHAPE),
    }
    Ok(request)
}

/// `GET /graphql`: GraphiQL for browsers, queries (never mutations) for clients.
pub async fn get_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let wants_html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && state.app.http.graphiql && !raw_query.contains("query=") && !raw_query.contains("extensions=") {
        return Html(graphiql::PAGE.as_str()).into_response();
    }
    let Some(media) = negotiate(&headers) else { return not_acceptable() };
    let ip = client_ip(&request);
    let mut gql = match parse_get(&raw_query) {
        Ok(r) => r,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, media, &message),
    };
    if let Err(error) = resolve_persisted(&state.persisted, &mut gql) {
        return persisted_error_response(error, media);
    }
    if gql.query.is_empty() {
        return error_response(StatusCode::BAD_REQUEST, media, "the query parameter `query` is required");
    }
    if state.schema.operation(&mut gql).map(|(ty, _)| ty) == Some(OperationType::Mutation) {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, media, "mutations need POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let mut response = execute(&state, gql, &headers, ip, media, Method::Get).await;
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept, Authorization"));
    response
}

/// `POST /graphql` with a JSON body.
pub async fn post_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiate(&headers) else { return not_acceptable() };
    let ip = client_ip(&request);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != JSON && essence != GRAPHQL_RESPONSE_JSON {
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, media, "Content-Type must be application/json");
    }
    let body: Bytes = match axum::body::to_bytes(request.into_body(), super::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return error_response(StatusCode::PAYLOAD_TOO_LARGE, media, "request body too large"),
    };
    let value: Json = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, media, &format!("body is not JSON: {e}")),
    };
    let mut gql = match parse_post(value) {
        Ok(r) => r,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, media, message),
    };
    if let Err(error) = resolve_persisted(&state.persisted, &mut gql) {
        return persisted_error_response(error, media);
    }
    if gql.query.is_empty() {
        return error_response(StatusCode::BAD_REQUEST, media, BODY_SHAPE);
    }
    execute(&state, gql, &headers, ip, media, Method::Post).await
}

/// How a query arrived: only answers to GET may be kept by shared caches (and carry an ETag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// Runs a request, or answers it from the response cache when it is an anonymous query
/// answered since the last write.
async fn execute(
    state: &HttpState,
    mut request: async_graphql::Request,
    headers: &HeaderMap,
    ip: ClientIp,
    media: &'static str,
    method: Method,
) -> Response {
    // Answers to anonymous requests are the same for every client: those may be kept.
    let anonymous = !headers.contains_key(header::AUTHORIZATION);
    let cache = &state.app.response_cache;
    let cached = (anonymous && cache.is_enabled()).then(|| (CacheKey::of(&request), state.app.changes.generation()));
    if let Some((key, generation)) = &cached
        && let Some(answer) = cache.get(key, *generation)
    {
        crate::graphql::observe::record_cached_operation(answer.operation.as_deref());
        return answer_response(answer, headers, media, method);
    }
    // Only queries are kept (never mutations), under the name they are counted by.
    let query_name = match cached.is_some().then(|| state.schema.operation(&mut request)).flatten() {
        Some((OperationType::Query, name)) => Some(name),
        _ => None,
    };
    let request = request.data(BearerToken::from_headers(headers)).data(ip);
    let response = state.schema.execute(request).await;
    let code_of =
        |e: &async_graphql::ServerError| e.extensions.as_ref().and_then(|x| x.get("code")).map(|v| v.to_string());
    let rate_limited = response.errors.iter().any(|e| code_of(e).as_deref() == Some("\"RATE_LIMITED\""));
    // Requests that fail to parse or validate never start executing: no data, no paths.
    let not_executed = !was_executed(&response);
    let status = if rate_limited {
        StatusCode::TOO_MANY_REQUESTS
    } else if not_executed && media == GRAPHQL_RESPONSE_JSON {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let error_free = response.errors.is_empty();
    let body = Bytes::from(response_body(&response, not_executed));
    if anonymous && error_free {
        if let (Some((key, generation)), Some(name)) = (cached, query_name) {
            let answer = Arc::new(CachedAnswer::new(body, name));
            cache.insert(key, generation, answer.clone());
            return answer_response(answer, headers, media, method);
        }
        if method == Method::Get {
            return answer_response(Arc::new(CachedAnswer::new(body, None)), headers, media, method);
        }
        return (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static(media))], no_store(), body)
            .into_response();
    }
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(media))], no_store(), body).into_response()
}

/// A response as JSON, written straight from the executor's values. The spec: a request
/// error (one that never started executing) has no `data` entry at all, not even null.
fn response_body(response: &async_graphql::Response, not_executed: bool) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct RequestError<'a> {
        errors: &'a [async_graphql::ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
    }
    let written = if not_executed {
        serde_json::to_vec(&RequestError { errors: &response.errors, extensions: &response.extensions })
    } else {
        serde_json::to_vec(response)
    };
    written.unwrap_or_else(|_| b"{}".to_vec())
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_NONE))]
}

/// An error-free answer to an anonymous request: over GET, public for shared caches, with
/// an `ETag`, and 304 when the client already has it.
fn answer_response(answer: Arc<CachedAnswer>, headers: &HeaderMap, media: &'static str, method: Method) -> Response {
    if method == Method::Post {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
            no_store(),
            answer.body.clone(),
        )
            .into_response();
    }
    let public = [(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_PUBLIC)), (header::ETAG, answer.etag.clone())];
    if if_none_match(headers, &answer.etag) {
        return (StatusCode::NOT_MODIFIED, public).into_response();
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static(media))], public, answer.body.clone())
        .into_response()
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(tags) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    let etag = etag.to_str().unwrap_or("");
    tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == etag)
}
