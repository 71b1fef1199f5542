//! The mailer everything that sends mail uses: SMTP through lettre (pooled, with timeouts),
//! or `.eml` files in an outbox folder when no SMTP server is configured.

mod plain_pool;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use plain_pool::{PlainPool, PlainServer};

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
    /// Worth retrying: 4xx replies, connection errors, timeouts.
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
}

#[derive(Clone)]
enum Transport {
    /// Plain `smtp://`: sockets with `TCP_NODELAY` (see `plain_pool`).
    Plain(Arc<PlainPool>),
    /// TLS (`smtps://`, `?tls=…`): lettre's pooled transport.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(Arc<PathBuf>),
}

/// Sends emails. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// Checks an SMTP URL's form; the message says what is expected.
pub fn validate_smtp_url(url: &str) -> Result<(), String> {
    let ok = (url.starts_with("smtp://") || url.starts_with("smtps://"))
        && AsyncSmtpTransport::<Tokio1Executor>::from_url(url).is_ok();
    if ok {
        Ok(())
    } else {
        Err("is not an SMTP URL: expected smtp://HOST:PORT, smtp://HOST:PORT?tls=required or smtps://USER:PASS@HOST"
            .into())
    }
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
        let plain = config.smtp_url.as_deref().and_then(PlainServer::from_url);
        let transport = match (&config.smtp_url, plain) {
            (Some(_), Some(server)) => {
                Transport::Plain(Arc::new(PlainPool::new(server, config.max_connections as usize)))
            }
            (Some(url), None) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| "SMTP_URL: not a usable SMTP URL".to_owned())?
                    .timeout(Some(Duration::from_secs(10)))
                    .pool_config(PoolConfig::new().max_size(config.max_connections.max(1)))
                    .build(),
            ),
            (None, _) => Transport::Outbox(Arc::new(config.outbox_dir.clone())),
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
            Transport::Plain(pool) => {
                let formatted = message.formatted();
                let sent = pool.send(message.envelope(), &formatted);
                tokio::time::timeout(SEND_TIMEOUT, sent)
                    .await
                    .unwrap_or_else(|_| Err(SendError::Temporary("SMTP send timed out".into())))
            }
            Transport::Smtp(smtp) => match tokio::time::timeout(SEND_TIMEOUT, smtp.send(message)).await {
                Err(_) => Err(SendError::Temporary("SMTP send timed out".into())),
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Ok(Err(e)) => Err(SendError::Temporary(e.to_string())),
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_and_mailboxes_are_checked() {
        assert!(validate_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(validate_smtp_url("smtps://user:pass@mail.example.com").is_ok());
        assert!(validate_smtp_url("http://mail").is_err());
        assert!(validate_mailbox("salarygraph <digest@localhost>").is_ok());
        assert!(validate_mailbox("not an address").is_err());
    }

    #[test]
    fn a_message_has_both_parts_and_the_extra_headers() {
        let mailer = Mailer::new(&MailerConfig {
            smtp_url: None,
            from: "salarygraph <digest@localhost>".into(),
            outbox_dir: "outbox".into(),
            max_connections: 1,
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
