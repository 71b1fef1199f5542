//! A local HTTP server in place of the job-board APIs: each path answers what the test set
//! (recorded responses in the APIs' documented shapes, or errors), and the server records
//! what it was asked and how many requests it served at once.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One answer of the server.
#[derive(Debug, Clone)]
pub struct BoardAnswer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
    /// `Retry-After` seconds, if any.
    pub retry_after: Option<u64>,
}

impl BoardAnswer {
    /// 200 with a body.
    pub fn ok(body: impl Into<String>) -> Self {
        Self { status: 200, body: body.into(), retry_after: None }
    }

    /// An error status, asking to retry at once.
    pub fn error(status: u16) -> Self {
        Self { status, body: "{\"error\":\"unavailable\"}".into(), retry_after: Some(0) }
    }
}

#[derive(Default)]
struct Shared {
    answers: Mutex<HashMap<String, VecDeque<BoardAnswer>>>,
    requests: Mutex<Vec<(String, String)>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    delay: Mutex<Duration>,
}

/// The fake job-board server.
#[derive(Clone)]
pub struct BoardServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shared: Arc<Shared>,
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let agent = request.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if let Ok(mut requests) = shared.requests.lock() {
        requests.push((path.clone(), agent));
    }
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let delay = shared.delay.lock().map(|d| *d).unwrap_or_default();
    tokio::time::sleep(delay).await;
    let next = shared.answers.lock().ok().and_then(|mut answers| {
        let queue = answers.get_mut(&path)?;
        if queue.len() > 1 { queue.pop_front() } else { queue.front().cloned() }
    });
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let Some(next) = next else {
        return (StatusCode::NOT_FOUND, "{\"ok\":false,\"error\":\"Document not found\"}").into_response();
    };
    let mut response = (StatusCode::from_u16(next.status).unwrap_or(StatusCode::OK), next.body).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(seconds) = next.retry_after {
        response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

impl BoardServer {
    /// Starts the server on a free port.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr: SocketAddr = listener.local_addr().expect("local addr");
        let app = axum::Router::new().fallback(answer).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url: format!("http://{addr}"), shared }
    }

    /// Answers `path` with these, in order; the last one stays.
    pub fn answer(&self, path: &str, answers: Vec<BoardAnswer>) {
        if let Ok(mut all) = self.shared.answers.lock() {
            all.insert(path.to_owned(), answers.into());
        }
    }

    /// Waits this long before each answer.
    pub fn delay(&self, delay: Duration) {
        if let Ok(mut d) = self.shared.delay.lock() {
            *d = delay;
        }
    }

    /// (path, User-Agent) of every request so far.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.shared.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The most requests it served at the same time.
    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }

    /// The configuration pointing all three APIs here.
    pub fn env(&self) -> Vec<(String, String)> {
        ["GREENHOUSE_API_URL", "LEVER_API_URL", "ASHBY_API_URL"]
            .iter()
            .map(|k| ((*k).to_owned(), self.url.clone()))
            .collect()
    }
}

/// A recorded response of `tests/fixtures/feeds/NAME`.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/feeds").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
