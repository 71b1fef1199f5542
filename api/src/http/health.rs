//! Liveness and readiness for load balancers.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::HttpState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and its migrations are current.
pub async fn readyz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    match crate::db::pending_migrations(&state.app.db).await {
        Ok(0) => (StatusCode::OK, "ready"),
        Ok(_) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// The Prometheus text page.
pub async fn metrics(State(state): State<HttpState>) -> Response {
    let Some(handle) = &state.app.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are off: another recorder was installed").into_response();
    };
    let page = crate::metrics::render(handle, &state.app.db).await;
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], page)
        .into_response()
}
