//! A TCP proxy on loopback in front of a server (the test PostgreSQL), that a test can cut
//! and restore: a database outage without stopping the machine's database server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the accept loop and the connections share.
struct Shared {
    /// `host:port` of the server behind the proxy.
    target: String,
    /// While set, new connections are accepted and closed at once.
    cut: AtomicBool,
    /// Bumped by each cut: every connection open at that moment ends.
    generation: watch::Sender<u64>,
    /// Connections relayed so far.
    accepted: AtomicUsize,
}

/// A running proxy: `addr()` relays to the target until [`Proxy::cut`].
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_loop: JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port in front of `target` (`host:port`).
    pub async fn start(target: impl Into<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy port");
        let addr = listener.local_addr().expect("proxy addr");
        let shared = Arc::new(Shared {
            target: target.into(),
            cut: AtomicBool::new(false),
            generation: watch::channel(0).0,
            accepted: AtomicUsize::new(0),
        });
        let accept_loop = tokio::spawn(accept(listener, shared.clone()));
        Self { addr, shared, accept_loop }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every open connection and refuses new ones (accepted, then closed at once:
    /// the port stays the proxy's, so nothing else can take it meanwhile).
    pub fn cut(&self) {
        // The flag first: a connection accepted after this sees it, one accepted before
        // sees the generation change.
        self.shared.cut.store(true, Ordering::SeqCst);
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// Whether the proxy is cut.
    pub fn is_cut(&self) -> bool {
        self.shared.cut.load(Ordering::SeqCst)
    }

    /// Connections relayed so far (not counting those refused while cut).
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.shared.generation.send_modify(|g| *g += 1);
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((inbound, _)) = listener.accept().await else {
            // Out of file descriptors or the like: try again shortly rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        // Subscribed before the flag is read: a cut after this point ends the connection.
        let generation = shared.generation.subscribe();
        if shared.cut.load(Ordering::SeqCst) {
            drop(inbound);
            continue;
        }
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(relay(inbound, shared.target.clone(), generation));
    }
}

/// Copies both ways until either side closes or the proxy is cut; then both sockets close.
async fn relay(mut inbound: TcpStream, target: String, mut generation: watch::Receiver<u64>) {
    let copied = async {
        let mut upstream = TcpStream::connect(&target).await?;
        let _ = inbound.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        tokio::io::copy_bidirectional(&mut inbound, &mut upstream).await
    };
    tokio::select! {
        _ = copied => {}
        _ = generation.changed() => {}
    }
}

/// The byte range of `host[:port]` in a URL such as `postgres://user:pass@host:5432/db`.
fn host_port_range(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    Some(host_start..end)
}

/// The `host:port` a URL points at (`default_port` when it names none).
pub fn target_of(url: &str, default_port: u16) -> Option<String> {
    let host_port = &url[host_port_range(url)?];
    // A port follows the last ':', unless that ':' is inside a bracketed IPv6 address.
    let has_port = host_port.rfind(':').is_some_and(|colon| host_port.rfind(']').is_none_or(|b| b < colon));
    Some(if has_port { host_port.to_owned() } else { format!("{host_port}:{default_port}") })
}

/// The same URL pointing at `addr` instead of its host and port.
pub fn with_host_port(url: &str, addr: SocketAddr) -> Option<String> {
    let range = host_port_range(url)?;
    Some(format!("{}{addr}{}", &url[..range.start], &url[range.end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_pointed_at_the_proxy() {
        let url = "postgres://postgres:pw@db.local:5433/t_1?sslmode=disable";
        assert_eq!(target_of(url, 5432).as_deref(), Some("db.local:5433"));
        assert_eq!(target_of("postgres://postgres@127.0.0.1/test", 5432).as_deref(), Some("127.0.0.1:5432"));
        assert_eq!(target_of("postgres://[::1]/test", 5432).as_deref(), Some("[::1]:5432"));
        let addr: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
        assert_eq!(
            with_host_port(url, addr).as_deref(),
            Some("postgres://postgres:pw@127.0.0.1:40000/t_1?sslmode=disable")
        );
    }

    #[tokio::test]
    async fn a_cut_closes_open_connections_and_refuses_new_ones_until_restored() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let echo = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let target = echo.local_addr().expect("addr").to_string();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = stream.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        let proxy = Proxy::start(target).await;
        let roundtrip = |addr| async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.write_all(b"ping").await?;
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).await?;
            std::io::Result::Ok((stream, buf))
        };
        let (mut open, buf) = roundtrip(proxy.addr()).await.expect("relayed");
        assert_eq!(&buf, b"ping");
        proxy.cut();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(std::time::Duration::from_secs(5), open.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "an open connection ends at the cut");
        assert!(roundtrip(proxy.addr()).await.is_err(), "a new connection is closed at once");
        proxy.restore();
        assert_eq!(roundtrip(proxy.addr()).await.expect("relayed again").1, *b"ping");
        assert_eq!(proxy.accepted(), 2);
    }
}
