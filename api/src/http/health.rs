//! Liveness and readiness for load balancers.

use axum::extract::State;
use axum::http::StatusCode;

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
