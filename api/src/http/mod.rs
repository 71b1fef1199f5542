//! The HTTP surface: `/graphql` (POST, GET, GraphiQL), `/graphql/ws`, health, the pages.

mod graphiql;
pub mod graphql;
mod health;
mod pages;

use std::time::Duration;

use async_graphql_axum::GraphQLSubscription;
use axum::Router;
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// Largest request body accepted (a 10,000-posting ingest fits).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// State of the HTTP handlers.
#[derive(Clone)]
pub struct HttpState {
    /// The shared state.
    pub app: AppState,
    /// The GraphQL schema.
    pub schema: AppSchema,
}

/// Builds the router (no I/O): tests and `serve` both use it.
pub fn build_app(app: AppState, schema: AppSchema) -> Router {
    let state = HttpState { app, schema: schema.clone() };
    Router::new()
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route_service("/graphql/ws", GraphQLSubscription::new(schema))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(pages::routes())
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(TraceLayer::new_for_http())
}
