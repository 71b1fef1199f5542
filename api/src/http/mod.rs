//! The HTTP surface: `/graphql` (POST, GET, GraphiQL), `/graphql/ws`, health, the pages.

pub mod assets;
pub(crate) mod byte_lru;
pub mod caching;
mod graphiql;
pub mod graphql;
mod health;
pub mod pages;
pub mod persisted;
pub mod protect;
pub mod request_log;
pub mod response_cache;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::client::TrustedProxies;
use crate::config::CorsOrigins;
use crate::graphql::GuardedSchema;
use crate::server::ServerLimits;
use crate::state::AppState;

/// Largest request body accepted, with the admin token (see `protect` for the rest).
pub const MAX_BODY_BYTES: usize = protect::MAX_ADMIN_BODY_BYTES;
/// Longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// State of the HTTP handlers.
#[derive(Clone)]
pub struct HttpState {
    /// The shared state.
    pub app: AppState,
    /// The GraphQL schema, behind its checks.
    pub schema: GuardedSchema,
    /// Automatic persisted queries (Apollo), by SHA-256 of the query.
    pub persisted: persisted::PersistedQueries,
    /// The open `/graphql/ws` connections.
    pub ws: Arc<ws::WsConnections>,
}

/// What the HTTP layer is configured with.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The limits of `/graphql/ws`.
    pub ws: ws::WsLimits,
    /// The server's connection cap and header timeout.
    pub server: ServerLimits,
    /// Whether browsers get GraphiQL at `/graphql` (`GRAPHIQL`).
    pub graphiql: bool,
}

/// Builds the router (no I/O): tests and `serve` both use it.
pub fn build_app(app: AppState, schema: GuardedSchema) -> Router {
    let ws = ws::WsConnections::new(app.http.ws);
    let state = HttpState { app, schema, persisted: persisted::PersistedQueries::default(), ws };
    // Layers run bottom-up: the log sees every request, then the client is known, then the
    // body is capped before any handler reads it.
    Router::<HttpState>::new()
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/assets/{*path}", get(assets::serve))
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), protect::limit_body))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(cors(&state.app.cors_origins))
        .layer(axum::middleware::from_fn_with_state(state.clone(), protect::client_address))
        .layer(axum::middleware::from_fn(protect::security_headers))
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
