//! GraphQL over HTTP as clients expect it: POST JSON, GET for queries only (405 for a
//! mutation), `application/graphql-response+json` when asked for (with 4xx for requests
//! that fail to parse or validate), 415 for other content types, 429 when rate limited.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{HttpState, graphiql};
use crate::auth::BearerToken;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

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

fn error_response(status: StatusCode, media: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(media))], body.to_string()).into_response()
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

fn parse_get(raw: &str) -> Result<async_graphql::Request, String> {
    let params: QueryParams = serde_urlencoded::from_str(raw).map_err(|e| format!("query string: {e}"))?;
    let query = params.query.ok_or("the query parameter `query` is required")?;
    let mut request = async_graphql::Request::new(query);
    request.operation_name = params.operation_name;
    if let Some(vars) = params.variables {
        let value: serde_json::Value = serde_json::from_str(&vars).map_err(|e| format!("variables: {e}"))?;
        request.variables = async_graphql::Variables::from_json(value);
    }
    if let Some(ext) = params.extensions {
        request.extensions = serde_json::from_str(&ext).map_err(|e| format!("extensions: {e}"))?;
    }
    Ok(request)
}

/// `GET /graphql`: GraphiQL for browsers, queries (never mutations) for clients.
pub async fn get_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let wants_html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && !raw_query.contains("query=") {
        return Html(graphiql::PAGE).into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            "Accept: use application/graphql-response+json or application/json",
        );
    };
    let ip = client_ip(&request);
    let gql = match parse_get(&raw_query) {
        Ok(r) => r,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, media, &message),
    };
    if operation_type(&gql) == Some(OperationType::Mutation) {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, media, "mutations need POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, gql, &headers, ip, media).await
}

/// `POST /graphql` with a JSON body.
pub async fn post_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiate(&headers) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            "Accept: use application/graphql-response+json or application/json",
        );
    };
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
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, media, &format!("body is not JSON: {e}")),
    };
    let query_ok = value.get("query").is_some_and(serde_json::Value::is_string);
    let variables_ok = value.get("variables").is_none_or(|v| v.is_object() || v.is_null());
    let name_ok = value.get("operationName").is_none_or(|v| v.is_string() || v.is_null());
    if !value.is_object() || !query_ok || !variables_ok || !name_ok {
        return error_response(
            StatusCode::BAD_REQUEST,
            media,
            "body must be {\"query\": string, \"variables\"?: object, \"operationName\"?: string}",
        );
    }
    let gql: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, media, &format!("body: {e}")),
    };
    execute(&state, gql, &headers, ip, media).await
}

async fn execute(
    state: &HttpState,
    request: async_graphql::Request,
    headers: &HeaderMap,
    ip: ClientIp,
    media: &'static str,
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
    let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(media))], body).into_response()
}
