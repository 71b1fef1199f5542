//! A pool of plain SMTP connections with `TCP_NODELAY`.
//!
//! lettre's own transport writes a message's body and its final `CRLF.CRLF` in two writes
//! without `TCP_NODELAY`, so Nagle's algorithm holds the terminator until the server acks
//! the body, and servers delay that ack by up to 40 ms: every message then costs 40 ms on
//! a connection, and a digest of 100,000 emails takes minutes instead of seconds. lettre
//! offers no way to set the option on the sockets it opens, so for `smtp://` without TLS
//! (the loopback relay or sidecar a service usually hands mail to) this pool opens the
//! sockets itself and uses lettre's connection on them. TLS URLs keep lettre's transport.

use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};

use super::SendError;

/// How long connecting (TCP and greeting) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection idle longer than this is checked with `NOOP` before it is used again.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Where and as whom to connect, from an `smtp://[user:pass@]host[:port]` URL.
#[derive(Debug, Clone)]
pub struct PlainServer {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
}

impl PlainServer {
    /// The server of a plain `smtp://` URL; `None` for TLS URLs (or no URL at all).
    pub fn from_url(url: &str) -> Option<Self> {
        let url = url::Url::parse(url).ok()?;
        if url.scheme() != "smtp" || url.query_pairs().any(|(k, _)| k == "tls") {
            return None;
        }
        let decode = |s: &str| percent_decode(s);
        let credentials = (!url.username().is_empty())
            .then(|| Credentials::new(decode(url.username()), decode(url.password().unwrap_or_default())));
        Some(Self { host: url.host_str()?.to_owned(), port: url.port().unwrap_or(25), credentials })
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

struct Idle {
    connection: AsyncSmtpConnection,
    since: Instant,
}

/// At most `max` connections, reused while they work.
pub struct PlainPool {
    server: PlainServer,
    hello: ClientId,
    idle: Mutex<Vec<Idle>>,
    permits: Semaphore,
}

impl PlainPool {
    /// A pool of at most `max` connections to `server`; none is opened before the first send.
    pub fn new(server: PlainServer, max: usize) -> Self {
        Self { server, hello: ClientId::default(), idle: Mutex::new(Vec::new()), permits: Semaphore::new(max.max(1)) }
    }

    /// Opens a connection. Every failure here, a refused login included, is the server's
    /// (or its configuration's), never the recipient's: it is [`SendError::Unreachable`].
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let unreachable = |e: &dyn std::fmt::Display| {
            SendError::Unreachable(format!(
                "connecting to the SMTP server: {}",
                super::redact_addresses(&e.to_string())
            ))
        };
        let address = (self.server.host.as_str(), self.server.port);
        let opened = async {
            let stream = TcpStream::connect(address).await.map_err(|e| unreachable(&e))?;
            stream.set_nodelay(true).map_err(|e| unreachable(&e))?;
            let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(|e| unreachable(&e))?;
            if let Some(credentials) = &self.server.credentials {
                connection.auth(DEFAULT_MECHANISMS, credentials).await.map_err(|e| unreachable(&e))?;
            }
            Ok(connection)
        };
        tokio::time::timeout(CONNECT_TIMEOUT, opened).await.map_err(|_| unreachable(&"timed out"))?
    }

    /// A working connection: an idle one (checked when it idled long), or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let Some(Idle { mut connection, since }) = self.idle.lock().await.pop() else {
                return self.connect().await;
            };
            if since.elapsed() < CHECK_AFTER_IDLE || connection.test_connected().await {
                return Ok(connection);
            }
        }
    }

    /// Sends one message; a connection that fails is dropped, a working one is kept.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let _permit = self.permits.acquire().await.map_err(|_| SendError::Unreachable("mailer closed".into()))?;
        let mut connection = self.checkout().await?;
        match connection.send(envelope, message).await {
            Ok(_) => {
                self.idle.lock().await.push(Idle { connection, since: Instant::now() });
                Ok(())
            }
            Err(e) => {
                // A refused recipient leaves the session usable; anything else may not.
                if !connection.has_broken() && e.is_permanent() {
                    let _ = connection.command(lettre::transport::smtp::commands::Rset).await;
                    self.idle.lock().await.push(Idle { connection, since: Instant::now() });
                }
                match super::classify(&e) {
                    SendError::Unreachable(reason) => Err(self.recheck(reason).await),
                    other => Err(other),
                }
            }
        }
    }

    /// Sorts out a failure that may be the server's or this message's (the session broke
    /// mid-send, a 421, a timeout) by opening a fresh connection: if that works, the server
    /// is there and the failure is about the message ([`SendError::Temporary`], so one
    /// message that upsets the server cannot hold up the rest for good); if not, it is
    /// [`SendError::Unreachable`]. A fresh connection is kept for the next send.
    pub async fn recheck(&self, reason: String) -> SendError {
        match self.connect().await {
            Ok(connection) => {
                self.idle.lock().await.push(Idle { connection, since: Instant::now() });
                SendError::Temporary(reason)
            }
            Err(SendError::Unreachable(now)) => SendError::Unreachable(format!("{reason}; then {now}")),
            Err(other) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_smtp_urls_use_the_pool() {
        let plain = PlainServer::from_url("smtp://127.0.0.1:2525").expect("plain");
        assert_eq!((plain.host.as_str(), plain.port, plain.credentials.is_some()), ("127.0.0.1", 2525, false));
        assert_eq!(PlainServer::from_url("smtp://relay").map(|s| s.port), Some(25));
        assert!(PlainServer::from_url("smtp://u%40x:p%3Aw@relay:587").is_some_and(|s| s.credentials.is_some()));
        assert!(PlainServer::from_url("smtps://user:pass@mail.example.com").is_none());
        assert!(PlainServer::from_url("smtp://mail.example.com?tls=required").is_none());
    }

    #[test]
    fn credentials_in_the_url_are_percent_decoded() {
        assert_eq!(percent_decode("p%3Aw%40rd"), "p:w@rd");
    }
}
