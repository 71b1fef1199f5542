//! The HTTP surface: `/graphql` (POST, GET, GraphiQL), `/graphql/ws`, health, the pages.

pub mod assets;
pub mod caching;
mod graphiql;
pub mod graphql;
mod health;
pub mod pages;
pub mod persisted;
pub mod request_log;

use std::time::Duration;

use async_graphql_axum::GraphQLSubscription;
use axum::Router;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::config::CorsOrigins;

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
    /// Automatic persisted queries (Apollo), by SHA-256 of the query.
    pub persisted: persisted::PersistedQueries,
}

/// Builds the router (no I/O): tests and `serve` both use it.
pub fn build_app(app: AppState, schema: AppSchema) -> Router {
    let state = HttpState { app, schema: schema.clone(), persisted: persisted::PersistedQueries::default() };
    Router::<HttpState>::new()
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route_service("/graphql/ws", GraphQLSubscription::new(schema))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/assets/{*path}", get(assets::serve))
        .merge(pages::routes())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(cors(&state.app.cors_origins))
        .layer(axum::middleware::from_fn(request_log::trace_request))
        .with_state(state)
}

/// CORS for browser dashboards: only the configured origins, only what the API uses.
fn cors(origins: &CorsOrigins) -> CorsLayer {
    use axum::http::{HeaderName, HeaderValue, Method, header};
    let allow = match origins {
        CorsOrigins::None => return CorsLayer::new(),
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([HeaderName::from_static(request_log::REQUEST_ID)])
        .max_age(Duration::from_secs(600))
}
