//! The mailer everything that sends mail uses: SMTP through one pool of connections for
//! every kind of URL (plain, STARTTLS, implicit TLS; see `pool`), or `.eml` files in an
//! outbox folder when no SMTP server is configured.

mod pool;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use pool::SmtpPool;
pub use pool::{Security, SmtpUrl, read_ca_file};

/// How long one SMTP send may take, connection included.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// An email to send: a plain-text and an HTML part saying the same.
#[derive(Debug, Clone)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// `Message-ID` with angle brackets; made up when `None`.
    pub message_id: Option<String>,
    /// Further headers (`List-Unsubscribe`, …).
    pub headers: Vec<(&'static str, String)>,
    /// Images the HTML shows by `cid:` (content id, PNG bytes).
    pub inline_png: Vec<(String, Vec<u8>)>,
}

/// Why a send failed, as the digest's retry policy needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server could not be used at all (connections refused, reset or timing out, a failed
    /// greeting or login, and a fresh connection failing too): nothing about this recipient,
    /// the same send works once the server is back.
    #[error("SMTP server unreachable: {0}")]
    Unreachable(String),
    /// Worth retrying for this recipient: 4xx replies to the message or its recipient.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Not worth retrying: 5xx replies, malformed messages.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Settings of the mailer.
#[derive(Debug, Clone)]
pub struct MailerConfig {
    /// `smtp://`, `smtps://` or `smtp://…?tls=required` URL; `None` writes to `outbox_dir`.
    pub smtp_url: Option<String>,
    /// The `From` mailbox.
    pub from: String,
    /// Where `.eml` files go without SMTP.
    pub outbox_dir: PathBuf,
    /// Most SMTP connections open at once.
    pub max_connections: u32,
    /// `SMTP_CA_FILE`: a PEM file of authorities trusted for TLS beside the public ones.
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone)]
enum Transport {
    Smtp(Arc<SmtpPool>),
    Outbox(Arc<PathBuf>),
}

/// Sends emails. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// Checks an SMTP URL: its form, and that credentials in it would be sent only over TLS or
/// to a loopback host. The message says what is expected.
pub fn validate_smtp_url(url: &str) -> Result<(), String> {
    SmtpUrl::parse(url)?.check_credentials_are_protected()
}

/// Checks a sender mailbox such as `salarygraph <digest@example.com>`.
pub fn validate_mailbox(mailbox: &str) -> Result<(), String> {
    mailbox
        .parse::<Mailbox>()
        .map(|_| ())
        .map_err(|_| format!("\"{mailbox}\" is not a mailbox: expected NAME <ADDRESS> or ADDRESS"))
}

impl Mailer {
    /// Builds the mailer; SMTP connections are opened lazily, on the first send.
    pub fn new(config: &MailerConfig) -> Result<Self, String> {
        let from = config.from.parse::<Mailbox>().map_err(|e| format!("MAIL_FROM: {e}"))?;
        let transport = match &config.smtp_url {
            Some(url) => {
                let url = SmtpUrl::parse(url).map_err(|e| format!("SMTP_URL: {e}"))?;
                url.check_credentials_are_protected().map_err(|e| format!("SMTP_URL: {e}"))?;
                let extra_roots = match &config.ca_file {
                    Some(path) => read_ca_file(path).map_err(|e| format!("SMTP_CA_FILE: {e}"))?,
                    None => Vec::new(),
                };
                Transport::Smtp(Arc::new(SmtpPool::new(url, &extra_roots, config.max_connections as usize)?))
            }
            None => Transport::Outbox(Arc::new(config.outbox_dir.clone())),
        };
        Ok(Self { transport, from })
    }

    /// Whether mail goes to files rather than a server.
    pub fn is_outbox(&self) -> bool {
        matches!(self.transport, Transport::Outbox(_))
    }

    /// Builds the MIME message of an email.
    pub fn message(&self, email: &Email) -> Result<Message, SendError> {
        let to: Mailbox = email.to.parse().map_err(|e| SendError::Permanent(format!("recipient address: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .date_now()
            .message_id(email.message_id.clone());
        for (name, value) in &email.headers {
            let name = HeaderName::new_from_ascii((*name).to_owned())
                .map_err(|_| SendError::Permanent(format!("bad header name {name}")))?;
            builder = builder.raw_header(HeaderValue::new(name, value.clone()));
        }
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone());
        let html = SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone());
        let body = if email.inline_png.is_empty() {
            MultiPart::alternative().singlepart(text).singlepart(html)
        } else {
            let png = ContentType::parse("image/png").map_err(|e| SendError::Permanent(e.to_string()))?;
            let related =
                email.inline_png.iter().fold(MultiPart::related().singlepart(html), |related, (cid, bytes)| {
                    related.singlepart(Attachment::new_inline(cid.clone()).body(bytes.clone(), png.clone()))
                });
            MultiPart::alternative().singlepart(text).multipart(related)
        };
        builder.multipart(body).map_err(|e| SendError::Permanent(format!("building the message: {e}")))
    }

    /// Sends one email.
    pub async fn send(&self, email: &Email) -> Result<(), SendError> {
        let message = self.message(email)?;
        match &self.transport {
            Transport::Smtp(pool) => {
                let formatted = message.formatted();
                let sent = pool.send(message.envelope(), &formatted);
                match tokio::time::timeout(SEND_TIMEOUT, sent).await {
                    Ok(result) => result,
                    Err(_) => Err(pool.recheck("SMTP send timed out".into()).await),
                }
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir.as_ref())
                    .await
                    .map_err(|e| SendError::Temporary(format!("outbox folder: {e}")))?;
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
                    hex::encode(rand::random::<[u8; 4]>())
                );
                tokio::fs::write(dir.join(name), message.formatted())
                    .await
                    .map_err(|e| SendError::Temporary(format!("outbox file: {e}")))
            }
        }
    }
}

/// `text` with the local part of every email address in it replaced by `***`. Servers echo
/// recipients in their replies ("550 <ann@example.com>: no such user"); the reasons of
/// failed sends go into logs, which must not hold addresses.
pub(crate) fn redact_addresses(text: &str) -> String {
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c);
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('@').enumerate() {
        if i == 0 {
            out.push_str(piece);
            continue;
        }
        // The local part just written ends the previous piece: cut it back and mask it.
        let kept = out.trim_end_matches(is_local).len();
        if kept < out.len() {
            out.truncate(kept);
            out.push_str("***");
        }
        out.push('@');
        out.push_str(piece);
    }
    out
}

/// 421: "service not available, closing transmission channel" (RFC 5321 4.2.3).
const SERVICE_NOT_AVAILABLE: u16 = 421;

/// Sorts an SMTP error of a send for the retry policy, first guess. A negative reply is about
/// this message or recipient, except 421, which the server gives when it is going away.
/// Everything below the dialogue (I/O, TLS, replies that do not parse, a shut transport)
/// looks like the server's trouble; the caller then checks that a fresh connection fails
/// too before calling it unreachable. Client errors (a message this server cannot take as
/// built, such as 8-bit text without 8BITMIME) stay temporary: waiting would not help.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let reason = redact_addresses(&error.to_string());
    match error.status() {
        Some(code) if u16::from(code) == SERVICE_NOT_AVAILABLE => SendError::Unreachable(reason),
        Some(_) if error.is_permanent() => SendError::Permanent(reason),
        Some(_) => SendError::Temporary(reason),
        None if error.is_client() => SendError::Temporary(reason),
        None => SendError::Unreachable(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_server_replies_lose_their_local_part() {
        assert_eq!(
            redact_addresses("permanent error (550): <ann.lee+ai@example.com>: no such user"),
            "permanent error (550): <***@example.com>: no such user"
        );
        assert_eq!(redact_addresses("a@b.example and c@d.example"), "***@b.example and ***@d.example");
        assert_eq!(redact_addresses("connection refused"), "connection refused");
        assert_eq!(redact_addresses("@ alone"), "@ alone");
    }

    #[test]
    fn smtp_urls_and_mailboxes_are_checked() {
        assert!(validate_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(validate_smtp_url("smtps://user:pass@mail.example.com").is_ok());
        assert!(validate_smtp_url("http://mail").is_err());
        assert!(validate_smtp_url("smtp://user:pass@mail.example.com").is_err());
        assert!(validate_mailbox("salarygraph <digest@localhost>").is_ok());
        assert!(validate_mailbox("not an address").is_err());
    }

    /// A scripted SMTP server on loopback: it greets with `greeting`, answers RCPT with
    /// `rcpt` (`None`: drops the connection instead), accepts everything else, and stops
    /// listening after `connections` connections.
    async fn scripted_server(greeting: &'static str, rcpt: Option<&'static str>, connections: usize) -> u16 {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            for _ in 0..connections {
                let Ok((stream, _)) = listener.accept().await else { return };
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(format!("{greeting}\r\n").as_bytes()).await?;
                    let mut in_data = false;
                    while let Some(line) = lines.next_line().await? {
                        let command = line.to_ascii_uppercase();
                        let reply = match () {
                            _ if in_data && line == "." => {
                                in_data = false;
                                "250 queued"
                            }
                            _ if in_data => continue,
                            _ if command.starts_with("EHLO") => "250 fake",
                            _ if command.starts_with("RCPT") => match rcpt {
                                Some(reply) => reply,
                                None => return Ok(()),
                            },
                            _ if command.starts_with("DATA") => {
                                in_data = true;
                                "354 go on"
                            }
                            _ if command.starts_with("QUIT") => "221 bye",
                            _ => "250 ok",
                        };
                        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
                    }
                    std::io::Result::Ok(())
                });
            }
        });
        port
    }

    async fn send_to(url: &str) -> &'static str {
        let mailer = Mailer::new(&MailerConfig {
            smtp_url: Some(url.to_owned()),
            from: "salarygraph <digest@localhost>".into(),
            outbox_dir: "outbox".into(),
            max_connections: 1,
            ca_file: None,
        })
        .expect("mailer");
        let email = Email {
            to: "reader@example.com".into(),
            subject: "Hello".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
            message_id: None,
            headers: vec![],
            inline_png: vec![],
        };
        match mailer.send(&email).await {
            Ok(()) => "sent",
            Err(SendError::Unreachable(_)) => "unreachable",
            Err(SendError::Temporary(_)) => "temporary",
            Err(SendError::Permanent(_)) => "permanent",
        }
    }

    /// The kind of outcome of a send to a scripted server, over plain `smtp://` and over
    /// `tls=opportunistic` with no STARTTLS on offer (plain text too, after a look for it).
    async fn kinds(greeting: &'static str, rcpt: Option<&'static str>, connections: usize) -> [&'static str; 2] {
        let plain = scripted_server(greeting, rcpt, connections).await;
        let opportunistic = scripted_server(greeting, rcpt, connections).await;
        [
            send_to(&format!("smtp://127.0.0.1:{plain}")).await,
            send_to(&format!("smtp://127.0.0.1:{opportunistic}?tls=opportunistic")).await,
        ]
    }

    #[tokio::test]
    async fn the_server_being_away_is_told_from_a_refused_recipient() {
        const MANY: usize = 10;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let nothing_there = [
            send_to(&format!("smtp://127.0.0.1:{closed}")).await,
            send_to(&format!("smtp://127.0.0.1:{closed}?tls=opportunistic")).await,
        ];
        assert_eq!(nothing_there, ["unreachable"; 2], "nothing listening");
        assert_eq!(kinds("220 hi", Some("250 ok"), MANY).await, ["sent"; 2]);
        assert_eq!(kinds("421 busy", None, MANY).await, ["unreachable"; 2], "greeting refused");
        assert_eq!(kinds("220 hi", Some("451 later"), MANY).await, ["temporary"; 2]);
        assert_eq!(kinds("220 hi", Some("550 no such user"), MANY).await, ["permanent"; 2]);
        // The session breaks mid-send: the server's trouble only if it cannot be reached again.
        assert_eq!(kinds("220 hi", None, 1).await, ["unreachable"; 2], "dropped, then gone");
        assert_eq!(kinds("220 hi", Some("421 closing"), 1).await, ["unreachable"; 2], "closing, then gone");
        assert_eq!(kinds("220 hi", None, MANY).await, ["temporary"; 2], "dropped, but still there");
        assert_eq!(kinds("220 hi", Some("421 closing"), MANY).await, ["temporary"; 2], "421, but still there");
        // A 5xx greeting is no answer about the recipient.
        assert_eq!(kinds("554 go away", None, MANY).await, ["unreachable"; 2]);
    }

    #[test]
    fn a_message_has_both_parts_and_the_extra_headers() {
        let mailer = Mailer::new(&MailerConfig {
            smtp_url: None,
            from: "salarygraph <digest@localhost>".into(),
            outbox_dir: "outbox".into(),
            max_connections: 1,
            ca_file: None,
        })
        .expect("mailer");
        let message = mailer
            .message(&Email {
                to: "reader@example.com".into(),
                subject: "Hello".into(),
                text: "plain".into(),
                html: "<p>html</p>".into(),
                message_id: Some("<week-1@salarygraph>".into()),
                headers: vec![("List-Id", "salarygraph <digest.salarygraph>".into())],
                inline_png: vec![],
            })
            .expect("message");
        let raw = String::from_utf8(message.formatted()).expect("utf8");
        assert!(raw.contains("Message-ID: <week-1@salarygraph>"), "{raw}");
        assert!(raw.contains("List-Id: salarygraph <digest.salarygraph>"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
    }
}
