//! Prometheus metrics: one recorder per process, and what `GET /metrics` shows.
//!
//! Counters and histograms are recorded where things happen (HTTP middleware, the GraphQL
//! extension, the digest senders) through the `metrics` facade; gauges that describe the
//! database (pool use, the last digest run) are read when the page is scraped, so every
//! replica reports the same truth whichever of them sent the digest.

use std::sync::OnceLock;

use entity::{RunStatus, digest_run};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// How often histograms are folded when nobody scrapes: samples wait in per-metric buffers
/// until then (about 18 bytes a request), so without it memory grows with every request.
pub const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Latency buckets in seconds: from half a millisecond to the 30 s request timeout.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (later calls reuse it); `None` if another
/// recorder was installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            let upkeep = handle.clone();
            // A thread, not a task: one per process whatever runtimes come and go (tests).
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_INTERVAL);
                        upkeep.run_upkeep();
                    }
                })
                .ok()?;
            Some(handle)
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!("http_requests_total", "HTTP requests by route, method and status.");
    metrics::describe_histogram!("http_request_duration_seconds", "HTTP request latency by route.");
    metrics::describe_counter!("graphql_operations_total", "GraphQL operations by operation name and type.");
    metrics::describe_histogram!("graphql_operation_duration_seconds", "GraphQL operation latency by name.");
    metrics::describe_counter!("graphql_errors_total", "GraphQL errors by extensions.code.");
    metrics::describe_counter!(
        "digest_emails_total",
        "Digest deliveries by outcome (sent, failed, skipped, deferred, …)."
    );
    metrics::describe_counter!("digest_retries_total", "Digest sends retried after a temporary failure.");
    metrics::describe_gauge!("db_pool_connections", "Database pool connections by state (idle, in_use).");
    metrics::describe_gauge!("db_pool_max_connections", "Most connections the database pool opens.");
    metrics::describe_gauge!(
        "digest_last_success_week",
        "Monday of the last completed digest run's week, unix seconds."
    );
    metrics::describe_gauge!("digest_last_success_timestamp_seconds", "When the last completed digest run finished.");
    metrics::describe_counter!("feed_fetches_total", "Job-board fetches by API and outcome (ok, failed).");
    metrics::describe_gauge!("feed_last_fetch_timestamp_seconds", "When each followed board was last fetched.");
    metrics::describe_gauge!("feed_last_fetch_success", "1 when a board's last fetch read it whole, else 0.");
    metrics::describe_gauge!(
        "feed_last_fetch_postings",
        "Postings of each board's last fetch by outcome (seen, new, closed, reopened, unclassified, refused)."
    );
}

/// Each followed board's last fetch, as gauges labelled by its source (at most
/// `jobs::feeds::sources::MAX_SOURCES` boards, so the series stay bounded).
async fn refresh_feed_gauges(db: &DatabaseConnection) {
    let Ok(sources) = jobs::feeds::sources::list(db).await else { return };
    for source in sources {
        let Some(fetched) = source.last_fetched_at else { continue };
        let name = source.posting_source();
        metrics::gauge!("feed_last_fetch_timestamp_seconds", "source" => name.clone()).set(fetched.timestamp() as f64);
        let ok = if source.last_error.is_none() { 1.0 } else { 0.0 };
        metrics::gauge!("feed_last_fetch_success", "source" => name.clone()).set(ok);
        for (outcome, value) in [
            ("seen", source.last_seen),
            ("new", source.last_new),
            ("closed", source.last_closed),
            ("reopened", source.last_reopened),
            ("unclassified", source.last_unclassified),
            ("refused", source.last_refused),
        ] {
            metrics::gauge!("feed_last_fetch_postings", "source" => name.clone(), "outcome" => outcome)
                .set(f64::from(value));
        }
    }
}

fn pool_use(db: &DatabaseConnection) -> (u32, usize, u32) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => (0, 0, 0),
    }
}

/// Sets the gauges read from the database; a failing database leaves the last values.
async fn refresh_gauges(db: &DatabaseConnection) {
    let (size, idle, max) = pool_use(db);
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("db_pool_max_connections").set(f64::from(max));
    let last_done = digest_run::Entity::find()
        .filter(digest_run::Column::Status.eq(RunStatus::Done))
        .order_by_desc(digest_run::Column::Week)
        .one(db)
        .await;
    if let Ok(Some(run)) = last_done {
        let monday = run.week.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
        if let Some(monday) = monday {
            metrics::gauge!("digest_last_success_week").set(monday as f64);
        }
        if let Some(finished) = run.finished_at {
            metrics::gauge!("digest_last_success_timestamp_seconds").set(finished.timestamp() as f64);
        }
    }
}

/// The Prometheus text page.
pub async fn render(handle: &PrometheusHandle, db: &DatabaseConnection) -> String {
    refresh_gauges(db).await;
    refresh_feed_gauges(db).await;
    handle.run_upkeep();
    handle.render()
}

/// A label value from a client-chosen name, bounded so that clients cannot blow up the
/// number of series: valid GraphQL names only, and at most `MAX_NAMES` distinct ones.
pub fn bounded_name(name: Option<&str>) -> String {
    const MAX_NAMES: usize = 200;
    static SEEN: OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> = OnceLock::new();
    let Some(name) = name else { return "anonymous".to_owned() };
    let valid = name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return "invalid".to_owned();
    }
    let Ok(mut seen) = SEEN.get_or_init(Default::default).lock() else { return "other".to_owned() };
    if seen.contains(name) || seen.len() < MAX_NAMES {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_become_bounded_labels() {
        assert_eq!(bounded_name(None), "anonymous");
        assert_eq!(bounded_name(Some("Dashboard")), "Dashboard");
        assert_eq!(bounded_name(Some("drop table; --")), "invalid");
        assert_eq!(bounded_name(Some(&"x".repeat(65))), "invalid");
        for i in 0..300 {
            bounded_name(Some(&format!("Op{i}")));
        }
        assert_eq!(bounded_name(Some("OneTooMany")), "other");
        assert_eq!(bounded_name(Some("Dashboard")), "Dashboard");
    }
}
