//! What every request and job needs, passed explicitly.

use std::sync::Arc;

use jobs::mail::Mailer;
use sea_orm::DatabaseConnection;

use crate::auth::AdminToken;
use crate::rate_limit::RateLimits;

/// The shared state of the service. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Where the database is (the change watcher opens a connection of its own).
    pub database_url: Arc<str>,
    /// Sends email.
    pub mailer: Mailer,
    /// Records sign-ups, several at a time, and sends their confirmations.
    pub sign_ups: jobs::subscriptions::SignUps,
    /// The admin token; `None` refuses every admin operation.
    pub admin_token: Option<Arc<AdminToken>>,
    /// Base of links in emails, without a trailing slash.
    pub public_url: Arc<str>,
    /// Writes heard from this and every other process: the cache's generation and the
    /// snapshots for `snapshotPublished`.
    pub changes: Arc<crate::changes::DataChanges>,
    /// Answers to anonymous queries, kept until the data changes.
    pub response_cache: Arc<crate::http::response_cache::ResponseCache>,
    /// Limits sign-ups and the use of email links per client.
    pub rate_limits: Arc<RateLimits>,
    /// The HTTP layer's limits and switches.
    pub http: Arc<crate::http::HttpSettings>,
    /// Age at which the key that signs email links is replaced (`LINK_KEY_ROTATION_DAYS`).
    pub link_key_rotation: chrono::TimeDelta,
    /// How the weekly digest sends (concurrency, retries, claims).
    pub digest: jobs::digest::DigestSettings,
    /// Browser origins allowed by CORS (`CORS_ORIGINS`).
    pub cors_origins: crate::config::CorsOrigins,
    /// The Prometheus recorder's handle, `None` if another recorder owns the process.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Tells the digest to stop on shutdown, and waits for it.
    pub shutdown: Arc<crate::shutdown::Shutdown>,
    /// The job-board feeds' client and API addresses.
    pub feeds: jobs::feeds::Feeds,
}

impl AppState {
    /// Runs a write to the published data; whatever its outcome (a failed write may have
    /// committed part of its work), this process's cached answers are stale from then on.
    pub async fn write<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let outcome = work.await;
        self.changes.written(&self.db).await;
        outcome
    }
}

/// The shared state of a GraphQL request (the schema is always built with it).
pub fn app_state<'a>(ctx: &async_graphql::Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}
