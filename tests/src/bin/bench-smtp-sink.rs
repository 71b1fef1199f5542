//! Benchmark helper: an SMTP sink on loopback that accepts and discards every message, in
//! plain text or offering STARTTLS with the test certificate, so the digest can be timed over
//! TLS and in clear against the same server. Prints the certificate's path (for
//! `SMTP_CA_FILE`) and, every 10 s while mail arrives, the messages received.
//! Usage: bench-smtp-sink PORT [--starttls]

use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

#[derive(Clone)]
struct Discard(Arc<AtomicU64>);

impl Handler for Discard {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }

    fn data(&mut self, _buf: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(2526);
    let starttls = std::env::args().any(|a| a == "--starttls");
    let received = Arc::new(AtomicU64::new(0));
    let mut server = Server::new(Discard(received.clone()));
    server.with_name("sink.bench").with_num_threads(32).with_tcp_listener(TcpListener::bind(("127.0.0.1", port))?);
    if starttls {
        let certificate = salarygraph_tests::tls::certificate();
        server
            .with_ssl(SslConfig::SelfSigned {
                cert_path: certificate.cert_path.display().to_string(),
                key_path: certificate.key_path.display().to_string(),
            })
            .map_err(|e| anyhow::anyhow!("STARTTLS: {e}"))?;
        println!("SMTP_CA_FILE={}", certificate.cert_path.display());
    }
    println!("listening on 127.0.0.1:{port}{}", if starttls { " with STARTTLS" } else { "" });
    std::thread::spawn(move || {
        let mut last = 0;
        loop {
            std::thread::sleep(Duration::from_secs(10));
            let now = received.load(Ordering::Relaxed);
            if now != last {
                println!("{now} messages received");
                last = now;
            }
        }
    });
    server.serve().map_err(|e| anyhow::anyhow!("serving: {e}"))
}
