//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives, and can
//! be told to refuse some recipients or to take its time, for failure tests; it can start
//! on a port chosen beforehand, to come up where a client already looks for it.

use std::collections::HashMap;
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }

    /// The decoded body of the first part of this MIME type (`text/plain`, `text/html`).
    pub fn part(&self, mime: &str) -> Option<String> {
        let start = self.raw.find(&format!("Content-Type: {mime}"))?;
        let rest = &self.raw[start..];
        let headers_end = rest.find("\r\n\r\n")?;
        let headers = &rest[..headers_end];
        let body = &rest[headers_end + 4..];
        // Cut at the next MIME boundary, not at any line starting with "--": a
        // quoted-printable soft break can put one inside a link (tokens hold '-').
        let end = self.boundaries().iter().filter_map(|b| body.find(&format!("\r\n--{b}"))).min().unwrap_or(body.len());
        let body = &body[..end];
        if headers.contains("quoted-printable") {
            Some(decode_quoted_printable(body))
        } else if headers.contains("base64") {
            use base64_decode::decode;
            Some(decode(body))
        } else {
            Some(body.to_owned())
        }
    }
}

impl ReceivedEmail {
    /// The multipart boundaries the message declares.
    fn boundaries(&self) -> Vec<String> {
        self.raw
            .split("boundary=")
            .skip(1)
            .filter_map(|rest| {
                let rest = rest.trim_start_matches('"');
                let end = rest.find(|c: char| c == '"' || c == ';' || c.is_whitespace())?;
                Some(rest[..end].to_owned())
            })
            .collect()
    }
}

mod base64_decode {
    /// Decodes standard base64 with line breaks (enough for test assertions).
    pub fn decode(input: &str) -> String {
        const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits: u32 = 0;
        let mut count = 0;
        let mut out = Vec::new();
        for c in input.bytes() {
            let Some(v) = TABLE.iter().position(|&t| t == c) else { continue };
            bits = (bits << 6) | v as u32;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn decode_quoted_printable(input: &str) -> String {
    let mut out = Vec::new();
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if let Some(hex) = input.get(i + 1..i + 3)
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
