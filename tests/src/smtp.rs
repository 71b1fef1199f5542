//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives, and can
//! be told to refuse some recipients or to take its time, for failure tests; it can start
//! on a port chosen beforehand, to come up where a client already looks for it.

use std::collections::HashMap;
use std::net::{IpAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders};
use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: String,
}

impl ReceivedEmail {
    /// The message as mail-parser reads it; `None` if it is not a message at all.
    fn message(&self) -> Option<Message<'_>> {
        MessageParser::default().parse(self.raw.as_bytes())
    }

    /// A header's value as sent, unfolded: not decoded, so that a test sees what went on the
    /// wire (`Message-ID` keeps its angle brackets, `List-Unsubscribe` its `<url>`).
    pub fn header(&self, name: &str) -> Option<String> {
        let message = self.message()?;
        let value = message.header_raw(name)?;
        Some(value.replace("\r\n", "").trim().to_owned())
    }

    /// The decoded body of the first part of this MIME type (`text/plain`, `text/html`).
    pub fn part(&self, mime: &str) -> Option<String> {
        let message = self.message()?;
        let part = message.parts.iter().find(|part| part_is(part, mime))?;
        part.text_contents().map(str::to_owned)
    }

    /// The MIME type and decoded bytes of the part sent with `Content-ID: <content_id>`
    /// (an image the HTML shows as `cid:content_id`).
    pub fn inline(&self, content_id: &str) -> Option<(String, Vec<u8>)> {
        let message = self.message()?;
        let part = message.parts.iter().find(|part| part.content_id() == Some(content_id))?;
        let mime = part.content_type().map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default()))?;
        Some((mime, part.contents().to_vec()))
    }
}

/// Whether `part` is of the MIME type `mime` (`type/subtype`, any case).
fn part_is(part: &MessagePart<'_>, mime: &str) -> bool {
    let Some(content_type) = part.content_type() else { return false };
    let (ctype, subtype) = mime.split_once('/').unwrap_or((mime, ""));
    content_type.ctype().eq_ignore_ascii_case(ctype)
        && content_type.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
}

/// What the server answers to some recipients.
#[derive(Debug, Clone, Default)]
pub struct SmtpBehaviour {
    /// Recipients refused at RCPT with this reply code (e.g. 450 or 550), until the
    /// remaining count reaches zero (`u32::MAX`: always).
    pub refuse: HashMap<String, (u16, u32)>,
}

#[derive(Clone)]
struct Sink {
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    behaviour: Arc<Mutex<SmtpBehaviour>>,
    /// Microseconds to wait before accepting each message.
    delay_micros: Arc<AtomicU64>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn rcpt(&mut self, to: &str) -> Response {
        let address = to.trim_matches(|c| c == '<' || c == '>').to_owned();
        if let Ok(mut behaviour) = self.behaviour.lock()
            && let Some((code, remaining)) = behaviour.refuse.get_mut(&address)
            && *remaining > 0
        {
            if *remaining != u32::MAX {
                *remaining -= 1;
            }
            return Response::custom(*code, "refused by the test".to_owned());
        }
        self.to.push(address);
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let delay = self.delay_micros.load(Ordering::SeqCst);
        if delay > 0 {
            // mailin-embedded serves each connection on a thread of its own: sleeping here
            // slows that client down like a busy server would, and nothing else.
            std::thread::sleep(Duration::from_micros(delay));
        }
        let email =
            ReceivedEmail { to: std::mem::take(&mut self.to), raw: String::from_utf8_lossy(&self.data).into_owned() };
        if let Ok(mut received) = self.received.lock() {
            received.push(email);
        }
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// A running SMTP server on a loopback port.
#[derive(Clone)]
pub struct SmtpServer {
    port: u16,
    starttls: bool,
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    behaviour: Arc<Mutex<SmtpBehaviour>>,
    delay_micros: Arc<AtomicU64>,
}

impl SmtpServer {
    /// Starts a server on a free port, on a thread of its own.
    pub fn start() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").expect("bind SMTP port"), false)
    }

    /// Starts a server that offers STARTTLS with the self-signed test certificate
    /// ([`crate::tls::certificate`]: trust it with `SMTP_CA_FILE`).
    pub fn start_with_starttls() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").expect("bind SMTP port"), true)
    }

    /// Starts a server on `127.0.0.1:port` (e.g. one a client was already pointed at while
    /// nothing listened there), on a thread of its own.
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| panic!("bind SMTP port {port}: {e}"));
        Self::serve(listener, false)
    }

    fn serve(listener: TcpListener, starttls: bool) -> Self {
        let port = listener.local_addr().expect("SMTP addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(SmtpBehaviour::default()));
        let delay_micros = Arc::new(AtomicU64::new(0));
        let sink = Sink {
            received: received.clone(),
            behaviour: behaviour.clone(),
            delay_micros: delay_micros.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(sink);
        server.with_name("smtp.test").with_num_threads(8).with_tcp_listener(listener);
        if starttls {
            let certificate = crate::tls::certificate();
            server
                .with_ssl(SslConfig::SelfSigned {
                    cert_path: certificate.cert_path.display().to_string(),
                    key_path: certificate.key_path.display().to_string(),
                })
                .expect("STARTTLS with the test certificate");
        }
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, starttls, received, behaviour, delay_micros }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`, with `?tls=required` when it offers STARTTLS.
    pub fn url(&self) -> String {
        let tls = if self.starttls { "?tls=required" } else { "" };
        format!("smtp://127.0.0.1:{}{tls}", self.port)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<ReceivedEmail> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Changes how the server answers.
    pub fn set_behaviour(&self, behaviour: SmtpBehaviour) {
        if let Ok(mut b) = self.behaviour.lock() {
            *b = behaviour;
        }
    }

    /// Makes the server wait this long before accepting each message (zero: no wait).
    pub fn set_delay(&self, delay: Duration) {
        self.delay_micros.store(u64::try_from(delay.as_micros()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

/// A loopback port nothing listens on (bound, then released), for a server to come up on later.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Postfix's `smtp-sink` (Debian's `postfix` package) on loopback: a real server that, unlike
/// mailin, announces and takes pipelined commands (RFC 2920), and writes each message it
/// accepts to a file of its own. Stopped when dropped.
pub struct PostfixSink {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl PostfixSink {
    /// Starts `smtp-sink` on a free port, announcing `PIPELINING` or (with `pipelining`
    /// false) not. When it is not installed: a failed test in CI (`CI` set), else `None`
    /// after a loud message, never a silent skip.
    pub fn start(pipelining: bool) -> Option<Self> {
        let Some(program) = ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"].into_iter().find(|p| Path::new(p).exists())
        else {
            return crate::missing_tool(
                "A PIPELINING MAIL TEST",
                "smtp-sink is not installed: install Debian's postfix package (.ci/run installs it)",
            );
        };
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smtp-sink-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("dump folder");
        let port = free_port();
        let mut command = std::process::Command::new(program);
        // As root it must drop to a user, who then writes the dumps.
        if is_root() {
            std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).expect("chmod");
            command.args(["-u", "nobody"]);
        }
        if !pipelining {
            command.arg("-p");
        }
        let template = dir.join("message-").display().to_string();
        let child = command
            .args(["-d", &template, &format!("127.0.0.1:{port}"), "64"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start smtp-sink");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "smtp-sink did not listen on {port} within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { child, dir, port })
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far; `to` from the envelope (`smtp-sink` heads each dump
    /// with `X-Rcpt-Args: <address>` lines before the message as received).
    pub fn received(&self) -> Vec<ReceivedEmail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        entries
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .map(|raw| {
                let to = raw
                    .lines()
                    .take_while(|line| !line.is_empty())
                    .filter_map(|line| line.strip_prefix("X-Rcpt-Args: "))
                    .map(|args| args.trim().trim_start_matches('<').split('>').next().unwrap_or_default().to_owned())
                    .collect();
                ReceivedEmail { to, raw }
            })
            .collect()
    }
}

impl Drop for PostfixSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether this process runs as root (`smtp-sink` then needs `-u`).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}
