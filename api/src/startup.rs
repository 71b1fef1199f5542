//! Wiring: configuration → database → state → HTTP server and scheduler.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use jobs::Week;
use jobs::mail::{Mailer, MailerConfig};
use jobs::schedule::Schedule;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::auth::AdminToken;
use crate::changes::DataChanges;
use crate::config::Config;
use crate::graphql::build_schema;
use crate::http::build_app;
use crate::http::response_cache::ResponseCache;
use crate::rate_limit::RateLimits;
use crate::state::AppState;

/// Connects to the database and applies pending migrations.
pub async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let db = crate::db::connect(&config.database_url).await?;
    crate::db::migrate(&db).await.map_err(|e| anyhow::anyhow!("DATABASE_URL: migrations failed: {e}"))?;
    Ok(db)
}

/// The mailer the configuration asks for.
pub fn mailer(config: &Config) -> anyhow::Result<Mailer> {
    Mailer::new(&MailerConfig {
        smtp_url: config.smtp_url.as_ref().map(|s| s.expose_secret().to_owned()),
        from: config.mail_from.clone(),
        outbox_dir: config.outbox_dir.clone(),
        max_connections: config.smtp_concurrency as u32,
        ca_file: config.smtp_ca_file.clone(),
    })
    .map_err(|e| anyhow::anyhow!(e))
}

/// The shared state over an open database; starts the sign-up recorder, so it must be
/// called on a Tokio runtime.
pub fn build_state(config: &Config, db: DatabaseConnection) -> anyhow::Result<AppState> {
    let mailer = mailer(config)?;
    let public_url: Arc<str> = Arc::from(config.public_url.as_str());
    Ok(AppState {
        sign_ups: jobs::subscriptions::SignUps::start(db.clone(), mailer.clone(), public_url.clone()),
        db,
        database_url: Arc::from(config.database_url.as_str()),
        mailer,
        admin_token: config.admin_token.as_ref().map(|t| Arc::new(AdminToken::new(t))),
        public_url,
        changes: Arc::default(),
        response_cache: Arc::new(ResponseCache::new(config.response_cache_bytes)),
        rate_limits: Arc::new(RateLimits::new(config.subscribe_rate_limit, config.link_rate_limit)),
        http: Arc::new(crate::http::HttpSettings {
            trusted_proxies: config.trusted_proxies.clone(),
            ws: config.ws,
            server: config.server,
            graphiql: config.graphiql,
        }),
        link_key_rotation: chrono::TimeDelta::days(i64::from(config.link_key_rotation_days)),
        digest: jobs::digest::DigestSettings::with_concurrency(config.smtp_concurrency),
        cors_origins: config.cors_origins.clone(),
        metrics: crate::metrics::install(),
        shutdown: Arc::default(),
        feeds: feeds(config)?,
    })
}

/// The job-board client: polite (one request per host at a time, retries with backoff)
/// and named in its `User-Agent`.
pub fn feeds(config: &Config) -> anyhow::Result<jobs::feeds::Feeds> {
    let client = jobs::feeds::FeedClient::new(jobs::feeds::ClientSettings {
        timeout: std::time::Duration::from_secs(u64::from(config.fetch_timeout_secs)),
        attempts: 3,
        backoff: std::time::Duration::from_secs(2),
        user_agent: format!("salarygraph/{} (+{})", env!("CARGO_PKG_VERSION"), config.public_url),
    })
    .context("building the job-board client")?;
    Ok(jobs::feeds::Feeds { client, urls: config.feed_urls.clone() })
}

/// Loads the demo into an empty database (no roles yet) when the configuration allows.
pub async fn load_demo_if_empty(config: &Config, db: &DatabaseConnection) -> anyhow::Result<bool> {
    if !config.demo_data || jobs::roles::count(db).await? > 0 {
        return Ok(false);
    }
    let now = Utc::now();
    let summary = jobs::demo::load(db, &jobs::demo::DemoPlan::standard(), Week::last_completed(now), now, |_| {})
        .await
        .context("loading demo data")?;
    tracing::info!(
        roles = summary.roles,
        postings = summary.postings,
        snapshots = summary.snapshots,
        "demo data loaded"
    );
    Ok(true)
}

/// A running server: its address and the task serving it.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Ends when the server stops.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves the API on `listener` until `shutdown` resolves.
pub fn spawn_server(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<RunningServer> {
    let addr = listener.local_addr()?;
    DataChanges::watch(&state.changes, state.database_url.clone());
    let limits = state.http.server;
    let schema = build_schema(state.clone());
    let app = build_app(state, schema);
    let task = tokio::spawn(crate::server::serve(listener, app, limits, shutdown));
    Ok(RunningServer { addr, task })
}

/// `salarygraph serve`: the whole service in one process.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let schedule = Schedule::new(&config.digest_schedule, config.digest_timezone)
        .map_err(|e| anyhow::anyhow!("DIGEST_SCHEDULE: {e}"))?;
    let fetch_schedule =
        Schedule::new(&config.fetch_schedule, chrono_tz::UTC).map_err(|e| anyhow::anyhow!("FETCH_SCHEDULE: {e}"))?;
    let db = open_database(&config).await?;
    // Loading the demo gathers the planner's statistics itself.
    if !load_demo_if_empty(&config, &db).await? {
        jobs::statistics::refresh(&db).await.context("gathering the query planner's statistics")?;
    }
    let state = build_state(&config, db)?;
    crate::weekly_job::rotate_link_key(&state).await;
    let listener = TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("BIND_ADDR: cannot listen on {}", config.bind_addr))?;
    let weekly_state = state.clone();
    let task: jobs::schedule::WeeklyTask = Arc::new(move |fired_at| {
        let state = weekly_state.clone();
        Box::pin(async move { crate::weekly_job::run(&state, fired_at).await })
    });
    let mut scheduler = jobs::schedule::start(schedule.clone(), task).await.context("starting the weekly scheduler")?;
    let fetch_state = state.clone();
    let fetch_task: jobs::schedule::WeeklyTask = Arc::new(move |_fired_at| {
        let state = fetch_state.clone();
        Box::pin(async move { crate::feeds::fetch_scheduled(&state).await })
    });
    let mut fetch_scheduler =
        jobs::schedule::start(fetch_schedule, fetch_task).await.context("starting the job-board fetch scheduler")?;
    // In the background: a missed digest may take a while to send, and must not hold up serving.
    let (catch_up_state, catch_up_schedule) = (state.clone(), schedule.clone());
    tokio::spawn(async move { crate::weekly_job::catch_up(&catch_up_state, &catch_up_schedule, Utc::now()).await });
    let signalled = tokio_util::sync::CancellationToken::new();
    let shutdown = {
        let signalled = signalled.clone();
        async move {
            shutdown_signal().await;
            signalled.cancel();
        }
    };
    let server = spawn_server(state.clone(), listener, shutdown)?;
    tracing::info!("salarygraph listening on http://{}/graphql", server.addr);
    let mut serving = server.task;
    // Requests in flight get a bounded grace: a stuck client or an open WebSocket must not
    // keep the process from stopping.
    let grace_over = async {
        signalled.cancelled().await;
        tokio::time::sleep(crate::shutdown::GRACE).await;
    };
    let served = tokio::select! {
        served = &mut serving => served.context("server task")?,
        () = grace_over => {
            tracing::warn!("requests still in flight after {:?}: closing them", crate::shutdown::GRACE);
            serving.abort();
            Ok(())
        }
    };
    let _ = scheduler.shutdown().await;
    let _ = fetch_scheduler.shutdown().await;
    if !state.shutdown.stop_jobs(crate::shutdown::GRACE).await {
        tracing::warn!("the weekly digest did not stop in time: the next start resumes it");
    }
    served.context("serving HTTP")?;
    tracing::info!("salarygraph stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
