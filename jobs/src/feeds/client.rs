//! A polite HTTP client for job-board APIs: one request at a time per host, a timeout on
//! each, retries with exponential backoff (or the server's `Retry-After`) on failures worth
//! retrying, a `User-Agent` naming the service, and a cap on what a response may weigh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;

/// Largest response read (a big board is a few megabytes).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Most hosts the client keeps a turn for.
const MAX_HOSTS: usize = 64;
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Timeout of one request, connecting included.
    pub timeout: Duration,
    /// Attempts per request (1 = no retry).
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

/// Why a request failed, after its retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The board answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The address.
        url: String,
        /// The status code.
        status: u16,
    },
    /// No answer: connection refused or reset, timeout, TLS failure.
    #[error("{url}: {message}")]
    Transport {
        /// The address.
        url: String,
        /// What failed.
        message: String,
    },
    /// The answer was larger than [`MAX_RESPONSE_BYTES`].
    #[error("{url}: the response is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge {
        /// The address.
        url: String,
    },
    /// The client could not be built (a TLS setup error).
    #[error("HTTP client: {0}")]
    Client(String),
}

/// The HTTP client of the feeds. Cheap to clone.
#[derive(Clone)]
pub struct FeedClient {
    http: reqwest::Client,
    settings: ClientSettings,
    turns: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl std::fmt::Debug for FeedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Client(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl FeedClient {
    /// A client with these settings.
    pub fn new(settings: ClientSettings) -> Result<Self, FetchError> {
        // reqwest is built without a crypto provider of its own (no aws-lc): every client in
        // the process, this one's and any other, uses ring, the provider the rest of the
        // tree already has. Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self { http, settings, turns: Arc::default() })
    }

    /// The turn of one host: requests to it wait for each other.
    fn turn(&self, url: &str) -> Arc<tokio::sync::Mutex<()>> {
        let host = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let mut turns = match self.turns.lock() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        if turns.len() >= MAX_HOSTS && !turns.contains_key(&host) {
            turns.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        turns.entry(host).or_default().clone()
    }

    /// GETs `url` and returns its body, retrying what is worth retrying.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let turn = self.turn(url);
        let _turn = turn.lock().await;
        let mut backoff = self.settings.backoff;
        let mut attempt = 1;
        loop {
            let (error, retry_after) = match self.get_once(url).await {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            let retryable = match &error {
                FetchError::Status { status, .. } => *status == 429 || *status >= 500,
                FetchError::Transport { .. } => true,
                FetchError::TooLarge { .. } | FetchError::Client(_) => false,
            };
            if !retryable || attempt >= self.settings.attempts {
                return Err(error);
            }
            let wait = retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER);
            tracing::warn!(%error, attempt, wait_ms = wait.as_millis() as u64, "feed request failed: retrying");
            tokio::time::sleep(wait).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }

    async fn get_once(&self, url: &str) -> Result<Vec<u8>, (FetchError, Option<Duration>)> {
        let transport = |e: reqwest::Error| {
            let message =
                if e.is_timeout() { format!("no answer within {:?}", self.settings.timeout) } else { e.to_string() };
            (FetchError::Transport { url: url.to_owned(), message }, None)
        };
        let mut response = self.http.get(url).header("Accept", "application/json").send().await.map_err(transport)?;
        let status = response.status();
        if status != StatusCode::OK {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err((FetchError::Status { url: url.to_owned(), status: status.as_u16() }, retry_after));
        }
        if response.content_length().is_some_and(|len| len as usize > MAX_RESPONSE_BYTES) {
            return Err((FetchError::TooLarge { url: url.to_owned() }, None));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err((FetchError::TooLarge { url: url.to_owned() }, None));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
