//! Per-operation observability: the operation name on the request's log span, and the
//! GraphQL metrics (operations by name with latency, errors by `extensions.code`).

use std::time::Instant;

use async_graphql::{Response, ServerError};

/// Every `extensions.code` the service gives: the label of an error's code comes from
/// this list, so that the series are bounded whatever happens.
const CODES: &[&str] = &[
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "UNAUTHORIZED",
    "RATE_LIMITED",
    "UNAVAILABLE",
    "INTERNAL",
    "BAD_REQUEST",
    "PERSISTED_QUERY_NOT_FOUND",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
];

/// The `extensions.code` of an error as a metric label (`OTHER` for one not in [`CODES`]).
fn code(error: &ServerError) -> &'static str {
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => CODES.iter().find(|c| *c == code).copied().unwrap_or("OTHER"),
        _ => "GRAPHQL_VALIDATION_FAILED",
    }
}

/// Counts a response's errors by their code.
pub fn count_errors(response: &Response) {
    for error in &response.errors {
        metrics::counter!("graphql_errors_total", "code" => code(error)).increment(1);
    }
}

/// Counts an operation that ran, with its latency since `started`, and names it on the
/// request's log span (the HTTP middleware's span declared `operation`).
pub fn record_executed(operation_name: Option<&str>, started: Instant) {
    tracing::Span::current().record("operation", operation_name.unwrap_or("anonymous"));
    record_operation(operation_name, started);
}

fn record_operation(operation_name: Option<&str>, started: Instant) {
    let name = crate::metrics::bounded_name(operation_name);
    metrics::histogram!("graphql_operation_duration_seconds", "operation" => name.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("graphql_operations_total", "operation" => name).increment(1);
}

/// Counts an operation answered from the response cache like one that ran.
pub fn record_cached_operation(operation_name: Option<&str>) {
    record_executed(operation_name, Instant::now());
}
