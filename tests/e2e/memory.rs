//! The real binary's memory under a stream of requests while nobody scrapes `/metrics`:
//! latency samples are folded into the histograms by the recorder's upkeep, not kept until
//! a scrape that may never come.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use salarygraph_tests::{Running, TestDatabase, free_port, install_crypto_provider};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The binary on `port` over `database`, quiet, with demo data off.
async fn start(database: &TestDatabase, port: u16) -> Running {
    // reqwest needs it; another test of the same process may not have installed it first.
    install_crypto_provider();
    let child = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DEMO_DATA", "false")
        .env("RUST_LOG", "warn")
        .env("OUTBOX_DIR", std::env::temp_dir().join(format!("outbox-memory-{port}")))
        .env("DIGEST_SCHEDULE", "0 0 8 1 1 *")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Running)
        .expect("start the binary");
    let started = Instant::now();
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "the service did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Sends `count` requests for `/healthz` over each of 4 connections, pipelined in rounds
/// of 500, and reads every answer.
async fn hammer(port: u16, count: usize) {
    const ROUND: usize = 500;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ROUND);
    let connections = (0..4).map(|_| {
        let request = request.clone();
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
            let mut buffer = vec![0u8; 256 * 1024];
            for _ in 0..count.div_ceil(ROUND) {
                stream.write_all(&request).await.expect("write");
                let mut answered = 0;
                let mut carry = Vec::new();
                while answered < ROUND {
                    let n = stream.read(&mut buffer).await.expect("read");
                    assert!(n > 0, "the server closed the connection");
                    carry.extend_from_slice(&buffer[..n]);
                    answered += carry.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
                    // Keep a tail in case a status line is split between reads.
                    let keep = carry.len().min(11);
                    carry.drain(..carry.len() - keep);
                }
            }
        })
    });
    for connection in connections.collect::<Vec<_>>() {
        connection.await.expect("connection task");
    }
}

#[tokio::test]
async fn memory_stays_flat_without_a_scrape_of_metrics() {
    let database = TestDatabase::create().await;
    let port = free_port();
    let mut child = start(&database, port).await;
    let pid = child.id();
    hammer(port, 5_000).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let warm = rss_kib(pid);
    // 100,000 more requests: kept until a scrape, their latency samples alone would take
    // about 1.6 MB (measured without the upkeep: +1,596 KiB).
    hammer(port, 25_000).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let after = rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    assert!(after < warm + 800, "resident memory grew from {warm} KiB to {after} KiB");
}
