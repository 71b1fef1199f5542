//! GraphQL over HTTP as clients expect it: POST JSON, GET for queries only (405 for a
//! mutation), `application/graphql-response+json` when asked for (with 4xx and no `data` for
//! requests that fail to parse or validate), 415 for other content types, 429 when rate
//! limited; Apollo's automatic persisted queries; `Cache-Control` that lets shared caches keep
//! anonymous GET queries for a short while and nothing else.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value as Json;

use super::persisted::{PersistedError, resolve_persisted};
use super::{HttpState, graphiql};
use crate::auth::BearerToken;

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

/// The address of the client, as the socket saw it (request data for rate limits).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

fn client_ip(request: &Request) -> ClientIp {
    ClientIp(
        request.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip()),
    )
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

fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    match document.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.get(name.as_str()).map(|op| op.node.ty),
            None if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
            None => None,
        },
    }
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
    if wants_html && !raw_query.contains("query=") && !raw_query.contains("extensions=") {
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
    if operation_type(&gql) == Some(OperationType::Mutation) {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, media, "mutations need POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    // A shared cache may keep the answer only if it is the same for every anonymous client.
    let cacheable = !headers.contains_key(header::AUTHORIZATION);
    let mut response = execute(&state, gql, &headers, ip, media, cacheable).await;
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
    execute(&state, gql, &headers, ip, media, false).await
}

/// Runs a request; `cacheable` says whether an error-free answer may be kept by shared caches.
async fn execute(
    state: &HttpState,
    request: async_graphql::Request,
    headers: &HeaderMap,
    ip: ClientIp,
    media: &'static str,
    cacheable: bool,
) -> Response {
    let request = request.data(BearerToken::from_headers(headers)).data(ip);
    let response = state.schema.execute(request).await;
    let code_of =
        |e: &async_graphql::ServerError| e.extensions.as_ref().and_then(|x| x.get("code")).map(|v| v.to_string());
    let rate_limited = response.errors.iter().any(|e| code_of(e).as_deref() == Some("\"RATE_LIMITED\""));
    // Requests that fail to parse or validate never start executing: no data, no paths.
    let not_executed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if rate_limited {
        StatusCode::TOO_MANY_REQUESTS
    } else if not_executed && media == GRAPHQL_RESPONSE_JSON {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let cache = if cacheable && response.errors.is_empty() { CACHE_PUBLIC } else { CACHE_NONE };
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| serde_json::json!({}));
    if not_executed && let Some(fields) = body.as_object_mut() {
        // The spec: a request error has no `data` entry at all (not even null).
        fields.remove("data");
    }
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body.to_string(),
    )
        .into_response()
}
