//! What every request and job needs, passed explicitly.

use std::sync::Arc;

use entity::snapshot;
use jobs::mail::Mailer;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

use crate::auth::AdminToken;
use crate::rate_limit::RateLimits;

/// The shared state of the service. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Sends email.
    pub mailer: Mailer,
    /// The admin token; `None` refuses every admin operation.
    pub admin_token: Option<Arc<AdminToken>>,
    /// Base of links in emails, without a trailing slash.
    pub public_url: Arc<str>,
    /// Snapshots as they are created or recomputed, for `snapshotPublished`.
    pub snapshot_events: broadcast::Sender<snapshot::Model>,
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
}

impl AppState {
    /// Tells subscribers of `snapshotPublished` about new or recomputed snapshots.
    pub fn publish_snapshots(&self, snapshots: &[snapshot::Model]) {
        for snapshot in snapshots {
            // No receiver is not an error: nobody is listening right now.
            let _ = self.snapshot_events.send(snapshot.clone());
        }
    }
}
