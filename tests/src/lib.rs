//! Helpers of the end-to-end tests: a fresh database per test (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set), the real service on a free port, a real SMTP server, and a
//! proxy in front of PostgreSQL that a test can cut, and a job-board server answering recorded
//! responses of the Greenhouse, Lever and Ashby APIs.

pub mod boards;
pub mod browser;
pub mod db;
pub mod proxy;
pub mod quality;
pub mod smtp;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api::config::Config;
use api::state::AppState;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use boards::{BoardAnswer, BoardServer};
pub use db::{Backend, TestDatabase};
pub use proxy::Proxy;
pub use smtp::{PostfixSink, ReceivedEmail, SmtpBehaviour, SmtpServer, free_port};

/// The admin token every test app uses.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// How a test app is started.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// Extra or overriding configuration variables.
    pub env: Vec<(String, String)>,
    /// Whether to start a real SMTP server and point `SMTP_URL` at it.
    pub smtp: bool,
    /// Whether that server offers STARTTLS (with a self-signed certificate, trusted through
    /// `SMTP_CA_FILE`) and `SMTP_URL` requires it.
    pub starttls: bool,
    /// Whether to load the demo data.
    pub demo: bool,
    /// Whether the app reaches its database through a [`Proxy`] (PostgreSQL only: a SQLite
    /// file cannot be cut off; there the option does nothing and `TestApp.proxy` is `None`).
    pub database_proxy: bool,
    /// Another app's database, to run a second replica over it (default: a fresh one).
    pub database: Option<TestDatabase>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self { env: Vec::new(), smtp: true, starttls: false, demo: false, database_proxy: false, database: None }
    }
}

/// The real service running on a free port over a fresh database.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://addr`.
    pub base_url: String,
    /// The app's own database connection (statements through it are counted).
    pub db: DatabaseConnection,
    /// The shared state the server runs with.
    pub state: AppState,
    /// The configuration it was started with.
    pub config: Config,
    /// The SMTP server mail goes to, if any.
    pub smtp: Option<SmtpServer>,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The test database.
    pub database: TestDatabase,
    /// The proxy between the app and its database, when asked for (PostgreSQL only).
    pub proxy: Option<Proxy>,
    statements: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestApp {
    /// Starts the service with the default test options.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    /// Starts the service with these configuration variables, other options as default.
    pub async fn spawn_with_env(env: &[(&str, &str)]) -> Self {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self::spawn_with(TestOptions { env, ..TestOptions::default() }).await
    }

    /// Starts the service with these options.
    pub async fn spawn_with(options: TestOptions) -> Self {
        install_crypto_provider();
        let database = match options.database.clone() {
            Some(shared) => shared,
            None => TestDatabase::create().await,
        };
        let proxy = match (options.database_proxy, database.backend) {
            (true, Backend::Postgres) => {
                let target = proxy::target_of(&database.url, 5432).expect("a host in the database URL");
                Some(Proxy::start(target).await)
            }
            _ => None,
        };
        let database_url = match &proxy {
            Some(proxy) => proxy::with_host_port(&database.url, proxy.addr()).expect("a host in the database URL"),
            None => database.url.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = listener.local_addr().expect("local addr");
        let smtp = match (options.smtp, options.starttls) {
            (false, _) => None,
            (true, false) => Some(SmtpServer::start()),
            (true, true) => Some(SmtpServer::start_with_starttls()),
        };
        let mut env: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".to_owned(), database_url),
            ("ADMIN_TOKEN".to_owned(), ADMIN_TOKEN.to_owned()),
            ("PUBLIC_URL".to_owned(), format!("http://{addr}")),
            ("BIND_ADDR".to_owned(), addr.to_string()),
            ("DEMO_DATA".to_owned(), options.demo.to_string()),
            (
                "OUTBOX_DIR".to_owned(),
                std::env::temp_dir().join(format!("outbox-{}", uuid::Uuid::new_v4())).display().to_string(),
            ),
        ]);
        if let Some(server) = &smtp {
            env.insert("SMTP_URL".to_owned(), server.url());
        }
        if options.starttls {
            env.insert("SMTP_CA_FILE".to_owned(), tls::certificate().cert_path.display().to_string());
        }
        env.extend(options.env.iter().cloned());
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid test configuration");
        let mut db = api::startup::open_database(&config).await.expect("database");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        api::startup::load_demo_if_empty(&config, &db).await.expect("demo data");
        let state = api::startup::build_state(&config, db.clone()).expect("state");
        let (tx, rx) = oneshot::channel::<()>();
        api::startup::spawn_server(state.clone(), listener, async {
            let _ = rx.await;
        })
        .expect("server");
        Self {
            addr,
            base_url: format!("http://{addr}"),
            db,
            state,
            config,
            smtp,
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
            database,
            proxy,
            statements,
            shutdown: Some(tx),
        }
    }

    /// SQL statements run through the app's connection so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// POSTs a GraphQL document; returns the whole JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(query, variables, None).await.1
    }

    /// POSTs a GraphQL document with the admin token.
    pub async fn gql_as_admin(&self, query: &str, variables: Value) -> Value {
        self.gql_with(query, variables, Some(ADMIN_TOKEN)).await.1
    }

    /// POSTs a GraphQL document with an optional bearer token; returns status and body.
    pub async fn gql_with(&self, query: &str, variables: Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// A second replica of this app: the same database and admin token, a process state and
    /// port of its own.
    pub async fn replica(&self) -> Self {
        Self::spawn_with(TestOptions { database: Some(self.database.clone()), smtp: false, ..Default::default() }).await
    }

    /// GETs a GraphQL query with optional extra headers; returns the whole response.
    pub async fn gql_get(&self, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(format!("{}/graphql", self.base_url)).query(&[("query", query)]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("GET /graphql")
    }

    /// Emails the SMTP server received so far.
    pub fn emails(&self) -> Vec<ReceivedEmail> {
        self.smtp.as_ref().map(SmtpServer::received).unwrap_or_default()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// Inserts `count` CONFIRMED subscribers following every role, `reader{i}@{domain}`, with
/// one multi-row insert per 1,000 (for lists too long to sign up one by one).
pub async fn insert_confirmed_subscribers(
    db: &impl sea_orm::ConnectionTrait,
    count: usize,
    domain: &str,
) -> Result<(), sea_orm::DbErr> {
    use entity::{SubscriberStatus, subscriber};
    use sea_orm::{EntityTrait, Set};
    let now = chrono::Utc::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1_000) {
        subscriber::Entity::insert_many(chunk.iter().map(|i| subscriber::ActiveModel {
            email: Set(format!("reader{i}@{domain}")),
            status: Set(SubscriberStatus::Confirmed),
            roles: Set(Default::default()),
            permanent_failures: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Installs ring as the process's TLS provider: reqwest is built without one of its own, so
/// any client a test builds (before or without a `TestApp`) needs it. Installing it again is
/// harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A program a test needs is not installed: in CI (`CI` set) the test fails; elsewhere it is
/// skipped after a banner naming what is `skipped`, never silently.
pub fn missing_tool<T>(skipped: &str, message: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("{message}; in CI a missing program fails the run");
    }
    eprintln!("\n{bar}\nSKIPPED {skipped}: {message}.\n{bar}\n", bar = "!".repeat(78));
    None
}

/// A process of the binary under test, killed and reaped when dropped, so that a test that
/// fails midway leaves no server running behind it.
pub struct Running(pub std::process::Child);

impl std::ops::Deref for Running {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
