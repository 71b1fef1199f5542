//! The one way mail leaves: a pool of SMTP connections, whatever the URL asks for (plain,
//! STARTTLS or implicit TLS).
//!
//! lettre writes a message's body and its final `CRLF.CRLF` in two writes, and its own
//! transport opens sockets without `TCP_NODELAY`: Nagle's algorithm then holds the
//! terminator until the server acks the body, which servers delay by up to 40 ms, so each
//! message costs 40 ms on a connection (a digest of 100,000 emails takes minutes instead of
//! seconds). lettre offers no way to set the option on the sockets it opens, so this pool
//! opens them itself (with the option) and speaks SMTP over them with lettre's
//! `AsyncSmtpConnection`, which also does STARTTLS; for implicit TLS the socket is wrapped in
//! TLS first. Every dialogue, TLS included, is lettre's or rustls'.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};
use tokio_rustls::TlsConnector;

use super::SendError;

/// How long connecting (TCP, TLS, greeting and login) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection idle longer than this is checked with `NOOP` before it is used again.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: plain text (a loopback relay or a sidecar).
    Plain,
    /// `smtp://…?tls=required`: STARTTLS, refusing a server that does not offer it.
    StartTls,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered, else plain text.
    Opportunistic,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

/// Where and how to connect, from an SMTP URL.
#[derive(Debug, Clone)]
pub struct SmtpUrl {
    /// Host name or address.
    pub host: String,
    /// Port (defaults: 25 plain, 587 STARTTLS, 465 implicit TLS).
    pub port: u16,
    /// Protection of the connection.
    pub security: Security,
    /// `USER:PASS@` of the URL, percent-decoded.
    pub credentials: Option<Credentials>,
    /// The name to greet with: the URL's path, else this machine's host name.
    pub hello: ClientId,
}

impl SmtpUrl {
    /// Parses `smtp://[USER:PASS@]HOST[:PORT][/HELO-NAME][?tls=required|opportunistic]` or
    /// `smtps://…`; the message says what is expected.
    pub fn parse(url: &str) -> Result<Self, String> {
        const FORMS: &str = "expected smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or \
                             smtps://USER:PASS@HOST:465";
        let parsed = url::Url::parse(url).map_err(|_| format!("is not an SMTP URL: {FORMS}"))?;
        let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| format!("has no host: {FORMS}"))?;
        // Brackets of an IPv6 literal are URL syntax, not part of the address.
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls, 587),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic, 587),
            ("smtps", None) => (Security::Implicit, 465),
            _ => return Err(format!("is not an SMTP URL: {FORMS}")),
        };
        let credentials = (!parsed.username().is_empty()).then(|| {
            Credentials::new(percent_decode(parsed.username()), percent_decode(parsed.password().unwrap_or_default()))
        });
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Self { host, port: parsed.port().unwrap_or(default_port), security, credentials, hello })
    }

    /// Whether the host is this machine (`localhost` or a loopback address): traffic to it
    /// never crosses a network.
    pub fn is_loopback(&self) -> bool {
        crate::host::is_loopback(&self.host)
    }

    /// Refuses a URL that would send its credentials unencrypted over a network: they go
    /// only over TLS (`smtps://` or `?tls=required`) or to a loopback host.
    pub fn check_credentials_are_protected(&self) -> Result<(), String> {
        let encrypted = matches!(self.security, Security::StartTls | Security::Implicit);
        if self.credentials.is_none() || encrypted || self.is_loopback() {
            return Ok(());
        }
        Err(format!(
            "would send its user name and password unencrypted to {}: use STARTTLS, \
             smtp://USER:PASS@{}:587?tls=required, or implicit TLS, smtps://USER:PASS@{}:465",
            self.host, self.host, self.host
        ))
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The certificates of a PEM file (`SMTP_CA_FILE`): the authorities trusted beside the
/// usual public ones, for a server whose certificate a private authority signed (or that
/// is self-signed). The message says what is wrong.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display()));
    }
    Ok(certificates)
}

/// What TLS needs, built once: lettre's parameters for STARTTLS and a rustls connector for
/// implicit TLS, both trusting the public authorities and the extra ones.
#[derive(Clone)]
struct Tls {
    starttls: TlsParameters,
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl Tls {
    fn new(host: &str, extra_roots: &[CertificateDer<'static>]) -> Result<Self, String> {
        let mut builder = TlsParameters::builder(host.to_owned());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for certificate in extra_roots {
            let der = certificate.as_ref().to_vec();
            builder = builder.add_root_certificate(
                Certificate::from_der(der).map_err(|e| format!("SMTP_CA_FILE: a certificate is unusable: {e}"))?,
            );
            roots.add(certificate.clone()).map_err(|e| format!("SMTP_CA_FILE: a certificate is unusable: {e}"))?;
        }
        let starttls = builder.build_rustls().map_err(|e| format!("TLS settings: {e}"))?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS settings: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name =
            ServerName::try_from(host.to_owned()).map_err(|_| format!("SMTP_URL: \"{host}\" is not a host name"))?;
        Ok(Self { starttls, connector: TlsConnector::from(Arc::new(config)), server_name })
    }
}

/// A TLS session over a socket of ours, as lettre's connection takes a stream.
#[derive(Debug)]
struct TlsSocket(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncRead for TlsSocket {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsSocket {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsSocket {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

/// An open SMTP session, and whether its server takes pipelined commands.
struct Session {
    connection: AsyncSmtpConnection,
    /// The server announced `PIPELINING` (RFC 2920).
    pipelining: bool,
}

struct Idle {
    session: Session,
    since: Instant,
}

/// At most `max` connections to one server, reused while they work.
pub struct SmtpPool {
    url: SmtpUrl,
    tls: Option<Tls>,
    idle: Mutex<Vec<Idle>>,
    permits: Semaphore,
}

impl SmtpPool {
    /// A pool of at most `max` connections; none is opened before the first send.
    /// `extra_roots` are trusted for TLS beside the public authorities.
    pub fn new(url: SmtpUrl, extra_roots: &[CertificateDer<'static>], max: usize) -> Result<Self, String> {
        let tls = match url.security {
            Security::Plain => None,
            _ => Some(Tls::new(&url.host, extra_roots)?),
        };
        Ok(Self { url, tls, idle: Mutex::new(Vec::new()), permits: Semaphore::new(max.max(1)) })
    }

    /// Opens a connection. Every failure here, a refused login or certificate included, is
    /// the server's (or its configuration's), never the recipient's: it is
    /// [`SendError::Unreachable`].
    async fn connect(&self) -> Result<Session, SendError> {
        let unreachable = |e: &dyn std::fmt::Display| {
            SendError::Unreachable(format!(
                "connecting to the SMTP server: {}",
                super::redact_addresses(&e.to_string())
            ))
        };
        let opened = async {
            let socket =
                TcpStream::connect((self.url.host.as_str(), self.url.port)).await.map_err(|e| unreachable(&e))?;
            socket.set_nodelay(true).map_err(|e| unreachable(&e))?;
            let stream: Box<dyn AsyncTokioStream> = match (&self.tls, self.url.security) {
                (Some(tls), Security::Implicit) => {
                    let session =
                        tls.connector.connect(tls.server_name.clone(), socket).await.map_err(|e| unreachable(&e))?;
                    Box::new(TlsSocket(session))
                }
                _ => Box::new(socket),
            };
            let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &self.url.hello)
                .await
                .map_err(|e| unreachable(&e))?;
            match (&self.tls, self.url.security) {
                (Some(tls), Security::StartTls | Security::Opportunistic) if connection.can_starttls() => {
                    connection.starttls(tls.starttls.clone(), &self.url.hello).await.map_err(|e| unreachable(&e))?;
                }
                (_, Security::StartTls) => {
                    return Err(unreachable(&"the server does not offer STARTTLS, which SMTP_URL requires"));
                }
                _ => {}
            }
            // lettre keeps only the extensions it uses from its greeting; asking again (before
            // logging in: a later EHLO resets the session) tells whether the server pipelines.
            let extensions =
                connection.command(Ehlo::new(self.url.hello.clone())).await.map_err(|e| unreachable(&e))?;
            let pipelining = extensions
                .message()
                .any(|line| line.split_whitespace().next().is_some_and(|word| word.eq_ignore_ascii_case("PIPELINING")));
            if let Some(credentials) = &self.url.credentials {
                connection.auth(DEFAULT_MECHANISMS, credentials).await.map_err(|e| unreachable(&e))?;
            }
            Ok(Session { connection, pipelining })
        };
        tokio::time::timeout(CONNECT_TIMEOUT, opened).await.map_err(|_| unreachable(&"timed out"))?
    }

    /// A working connection: an idle one (checked when it idled long), or a new one.
    async fn checkout(&self) -> Result<Session, SendError> {
        loop {
            let Some(Idle { mut session, since }) = self.idle.lock().await.pop() else {
                return self.connect().await;
            };
            if since.elapsed() < CHECK_AFTER_IDLE || session.connection.test_connected().await {
                return Ok(session);
            }
        }
    }

    /// Sends one message; a connection that fails is dropped, a working one is kept.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let _permit = self.permits.acquire().await.map_err(|_| SendError::Unreachable("mailer closed".into()))?;
        let mut session = self.checkout().await?;
        let sent = match pipelined(&session, envelope, message) {
            Some(transaction) => send_pipelined(&mut session.connection, transaction).await,
            None => session.connection.send(envelope, message).await.map(drop),
        };
        match sent {
            Ok(()) => {
                self.idle.lock().await.push(Idle { session, since: Instant::now() });
                Ok(())
            }
            Err(e) => {
                // A refused recipient leaves the session usable; anything else may not.
                if !session.connection.has_broken() && e.is_permanent() {
                    let _ = session.connection.command(lettre::transport::smtp::commands::Rset).await;
                    self.idle.lock().await.push(Idle { session, since: Instant::now() });
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
            Ok(session) => {
                self.idle.lock().await.push(Idle { session, since: Instant::now() });
                SendError::Temporary(reason)
            }
            Err(SendError::Unreachable(now)) => SendError::Unreachable(format!("{reason}; then {now}")),
            Err(other) => other,
        }
    }
}

/// A message's SMTP transaction in two writes: the envelope's commands with `DATA`, then the
/// content, dot-stuffed and terminated.
struct Pipelined {
    commands: String,
    /// Commands in `commands`, each answered by one reply.
    replies: usize,
    content: String,
}

/// The transaction of `message` in pipelined form, when the session allows it: the server
/// pipelines, and nothing needs the `SMTPUTF8` or `8BITMIME` parameters (lettre's own
/// dialogue handles those).
fn pipelined(session: &Session, envelope: &Envelope, message: &[u8]) -> Option<Pipelined> {
    if !session.pipelining {
        return None;
    }
    let content = std::str::from_utf8(message).ok().filter(|m| m.is_ascii())?;
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    if !envelope.from().is_none_or(ascii) || !envelope.to().iter().all(ascii) {
        return None;
    }
    let mut commands = Mail::new(envelope.from().cloned(), Vec::new()).to_string();
    for to in envelope.to() {
        commands.push_str(&Rcpt::new(to.clone(), Vec::new()).to_string());
    }
    commands.push_str(&Data.to_string());
    Some(Pipelined { commands, replies: envelope.to().len() + 2, content: dot_stuffed(content) })
}

/// `content` as it travels after `DATA` (RFC 5321 §4.5.2): a line that starts with a dot
/// gets a second one, lines end in CRLF, and a line with a single dot ends it.
fn dot_stuffed(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + content.len() / 64 + 5);
    let mut line_start = true;
    let mut previous = '\0';
    for c in content.chars() {
        if line_start && c == '.' {
            out.push('.');
        }
        out.push(c);
        line_start = previous == '\r' && c == '\n';
        previous = c;
    }
    out.push_str(if out.is_empty() || out.ends_with("\r\n") { ".\r\n" } else { "\r\n.\r\n" });
    out
}

/// Writes text as it is: lettre's `command` sends any `Display`.
struct Raw<'a>(&'a str);

impl std::fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Sends one transaction with RFC 2920 pipelining: `MAIL`, `RCPT` and `DATA` in one write,
/// their replies read in order, then the content in one write; two round trips instead of
/// four (as `smtp-source` and mail servers do). A refusal ends the session, as lettre's own
/// dialogue does, since replies to the rest of the group may still be on their way.
async fn send_pipelined(
    connection: &mut AsyncSmtpConnection,
    transaction: Pipelined,
) -> Result<(), lettre::transport::smtp::Error> {
    let accepted = async {
        // MAIL's reply comes with the write; then one per RCPT, then DATA's 354.
        connection.command(Raw(&transaction.commands)).await?;
        for _ in 1..transaction.replies {
            connection.read_response().await?;
        }
        connection.command(Raw(&transaction.content)).await.map(drop)
    }
    .await;
    if accepted.is_err() {
        connection.abort().await;
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_protection_and_default_ports() {
        let url = |u: &str| SmtpUrl::parse(u).expect(u);
        let plain = url("smtp://127.0.0.1:2525");
        assert_eq!((plain.host.as_str(), plain.port, plain.security), ("127.0.0.1", 2525, Security::Plain));
        assert!(plain.credentials.is_none());
        assert_eq!(url("smtp://relay").port, 25);
        assert_eq!(
            (url("smtp://mail?tls=required").port, url("smtp://mail?tls=required").security),
            (587, Security::StartTls)
        );
        assert_eq!(url("smtp://mail?tls=opportunistic").security, Security::Opportunistic);
        assert_eq!((url("smtps://mail").port, url("smtps://mail").security), (465, Security::Implicit));
        assert!(url("smtp://u%40x:p%3Aw@relay:587").credentials.is_some());
        assert_eq!(url("smtp://[::1]:25").host, "::1");
        for bad in ["http://mail", "smtp://", "smtp://mail?tls=sometimes", "smtps://mail?tls=required", "mail:25"] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_go_only_over_tls_or_to_this_machine() {
        let check = |u: &str| SmtpUrl::parse(u).expect(u).check_credentials_are_protected();
        assert!(check("smtp://user:pass@mail.example.com:587?tls=required").is_ok());
        assert!(check("smtps://user:pass@mail.example.com").is_ok());
        assert!(check("smtp://user:pass@127.0.0.1:25").is_ok());
        assert!(check("smtp://user:pass@localhost:25").is_ok());
        assert!(check("smtp://user:pass@[::1]:25").is_ok());
        assert!(check("smtp://mail.example.com:25").is_ok(), "no credentials, nothing to protect");
        let refused = check("smtp://user:s3cret@mail.example.com:25").expect_err("plain to a remote host");
        assert!(refused.contains("smtp://USER:PASS@mail.example.com:587?tls=required"), "{refused}");
        assert!(!refused.contains("s3cret"), "the password is not repeated: {refused}");
        assert!(check("smtp://user:pass@mail.example.com?tls=opportunistic").is_err(), "may fall back to plain");
    }

    #[test]
    fn content_is_dot_stuffed_and_terminated_once() {
        assert_eq!(dot_stuffed("Subject: x\r\n\r\n.hidden\r\nlast\r\n"), "Subject: x\r\n\r\n..hidden\r\nlast\r\n.\r\n");
        assert_eq!(dot_stuffed(".first\r\nno end"), "..first\r\nno end\r\n.\r\n");
        assert_eq!(dot_stuffed("a.b\r\n.\r\n"), "a.b\r\n..\r\n.\r\n", "a lone dot line is not the end");
        assert_eq!(dot_stuffed("bare\n.line\r\n"), "bare\n.line\r\n.\r\n", "only CRLF ends a line");
        assert_eq!(dot_stuffed(""), ".\r\n");
    }

    /// A scripted server that answers only once it holds the whole `MAIL`, `RCPT`, `DATA`
    /// group: a client that waited for each reply before its next command would never get
    /// one, so the send completing proves the group went in one go.
    #[tokio::test]
    async fn a_server_that_announces_pipelining_gets_the_envelope_in_one_group() {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 scripted ESMTP\r\n").await.expect("greet");
            for _ in 0..2 {
                let ehlo = lines.next_line().await.expect("read").expect("EHLO");
                assert!(ehlo.starts_with("EHLO "), "{ehlo}");
                write.write_all(b"250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n").await.expect("ehlo");
            }
            let mut group = Vec::new();
            for _ in 0..3 {
                group.push(lines.next_line().await.expect("read").expect("command"));
            }
            assert_eq!(group, ["MAIL FROM:<from@example.com>", "RCPT TO:<to@example.com>", "DATA"]);
            write.write_all(b"250 ok\r\n250 ok\r\n354 go on\r\n").await.expect("replies");
            let mut content = Vec::new();
            loop {
                let line = lines.next_line().await.expect("read").expect("content");
                if line == "." {
                    break;
                }
                content.push(line);
            }
            write.write_all(b"250 queued\r\n").await.expect("queued");
            content
        });
        let url = SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}")).expect("url");
        let pool = SmtpPool::new(url, &[], 1).expect("pool");
        let envelope =
            Envelope::new(Some("from@example.com".parse().expect("from")), vec!["to@example.com".parse().expect("to")])
                .expect("envelope");
        let sending = pool.send(&envelope, b"Subject: hi\r\n\r\n.dot\r\nend\r\n");
        tokio::time::timeout(Duration::from_secs(10), sending).await.expect("no reply waited for").expect("sent");
        let content = server.await.expect("server");
        assert_eq!(content, ["Subject: hi", "", "..dot", "end"]);
    }

    #[test]
    fn credentials_in_the_url_are_percent_decoded() {
        assert_eq!(percent_decode("p%3Aw%40rd"), "p:w@rd");
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = std::env::temp_dir();
        let empty = dir.join(format!("ca-{}.pem", rand::random::<u64>()));
        std::fs::write(&empty, "not a certificate\n").expect("write");
        assert!(read_ca_file(&empty).expect_err("no certificate").contains("holds no PEM certificate"));
        let _ = std::fs::remove_file(&empty);
        assert!(read_ca_file(&dir.join("missing-ca.pem")).expect_err("missing").contains("cannot read"));
    }
}
