//! The real binary as a process: its logs, and stopping it with SIGTERM in the middle of a
//! digest (it stops at a recipient boundary and exits cleanly, and the next start resumes the
//! run without sending anything twice).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::{DeliveryStatus, RunStatus, delivery, digest_run};
use jobs::Week;
use salarygraph_tests::{ADMIN_TOKEN, Running, SmtpServer, TestDatabase, free_port};
use sea_orm::{Database, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};

/// The service as a process of its own, on `port`, over `database`.
async fn start(database: &TestDatabase, smtp: &SmtpServer, port: u16) -> Running {
    start_with(database, smtp, port, &[]).await
}

/// [`start`] with further environment variables.
async fn start_with(database: &TestDatabase, smtp: &SmtpServer, port: u16, env: &[(&str, &str)]) -> Running {
    let base = format!("http://127.0.0.1:{port}");
    // `reqwest::get` below may run before any `TestApp` of the run.
    salarygraph_tests::install_crypto_provider();
    let mut command = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"));
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &base)
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .env("SMTP_URL", smtp.url())
        .env("SMTP_CONCURRENCY", "1")
        // Yearly: the start-up catch-up looks at a week without data and sends nothing.
        .env("DIGEST_SCHEDULE", "0 0 8 1 1 *")
        .env("DEMO_DATA", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().map(Running).expect("start the binary");
    let started = Instant::now();
    while reqwest::get(format!("{base}/readyz")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "the service did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child
}

/// Sends SIGTERM and waits for the process to end: its exit status and what it logged.
async fn terminate(mut child: Running) -> (std::process::ExitStatus, String) {
    let signalled = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(signalled.success());
    tokio::task::spawn_blocking(move || {
        let waited = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                return (status, stderr);
            }
            assert!(waited.elapsed() < Duration::from_secs(30), "the process did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .expect("wait")
}

/// Kills the process with SIGKILL (no chance to give anything back) and waits for it.
async fn kill_hard(mut child: Running) {
    let signalled = Command::new("kill").args(["-KILL", &child.id().to_string()]).status().expect("kill");
    assert!(signalled.success());
    tokio::task::spawn_blocking(move || child.wait().expect("wait for the killed process")).await.expect("wait");
}

async fn the_run(db: &DatabaseConnection) -> digest_run::Model {
    digest_run::Entity::find().one(db).await.expect("query").expect("a run")
}

#[tokio::test]
async fn sigterm_mid_digest_stops_at_a_recipient_and_the_next_start_finishes_the_run() {
    let database = TestDatabase::create().await;
    let smtp = SmtpServer::start();
    // A slow server and one connection, so that the signal lands mid-run.
    smtp.set_delay(Duration::from_millis(60));
    let port = free_port();
    let first = start(&database, &smtp, port).await;
    let db = Database::connect(&database.url).await.expect("connect");
    salarygraph_tests::insert_confirmed_subscribers(&db, 40, "example.com").await.expect("subscribers");
    let now = Utc::now();
    let week = Week::last_completed(now);
    let answer: Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({
            "query": "mutation($week: Date) { sendDigest(week: $week) { status recipients } }",
            "variables": { "week": week.to_string() }
        }))
        .send()
        .await
        .expect("sendDigest")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["data"]["sendDigest"], json!({ "status": "SENDING", "recipients": 40 }), "{answer}");
    while smtp.received().len() < 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let stopping = Instant::now();
    let (status, stderr) = terminate(first).await;
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("salarygraph stopped"), "{stderr}");
    assert!(stopping.elapsed() < Duration::from_secs(10), "it stops at the next recipient, not at the end");
    let sent_before = smtp.received().len();
    assert!(sent_before < 40, "stopped mid-run: {sent_before} sent");
    let rows = delivery::Entity::find().all(&db).await.expect("deliveries");
    assert!(rows.iter().all(|d| d.status != DeliveryStatus::Sending), "claims given back: {rows:#?}");
    assert_eq!(rows.iter().filter(|d| d.status == DeliveryStatus::Sent).count(), sent_before);
    assert_eq!(the_run(&db).await.status, RunStatus::Sending);

    // The next start resumes the run by itself.
    smtp.set_delay(Duration::ZERO);
    let second = start(&database, &smtp, port).await;
    let waited = Instant::now();
    while the_run(&db).await.status != RunStatus::Done {
        assert!(waited.elapsed() < Duration::from_secs(30), "the run was not resumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, stderr) = terminate(second).await;
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("resuming an unfinished digest run"), "{stderr}");

    let mut recipients: Vec<String> = smtp.received().iter().flat_map(|e| e.to.clone()).collect();
    recipients.sort();
    let mut expected: Vec<String> = (0..40).map(|i| format!("reader{i}@example.com")).collect();
    expected.sort();
    assert_eq!(recipients, expected, "exactly one digest each");
    let run = the_run(&db).await;
    assert_eq!((run.sent, run.failed), (40, 0));
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_operations_but_no_secrets_or_addresses() {
    let database = TestDatabase::create().await;
    let smtp = SmtpServer::start();
    let port = free_port();
    let child = start_with(&database, &smtp, port, &[("LOG_FORMAT", "json"), ("SUBSCRIBE_RATE_LIMIT", "0")]).await;
    let (client, url) = (reqwest::Client::new(), format!("http://127.0.0.1:{port}"));
    let probe = client
        .post(format!("{url}/graphql"))
        .bearer_auth(ADMIN_TOKEN)
        .header("x-request-id", "log-test-1")
        .json(&json!({ "query": "query Probe { subscribers { totalCount } }", "operationName": "Probe" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(probe.status(), 200);
    let signup = json!({
        "query": "mutation SignUp($email: String!) { subscribe(email: $email) { ok } }",
        "variables": { "email": "secret.reader@example.com" },
        "operationName": "SignUp"
    });
    client.post(format!("{url}/graphql")).json(&signup).send().await.expect("POST");
    client.get(format!("{url}/unsubscribe?token=SECRETTOKEN0123456789")).send().await.expect("GET");
    let (status, logs) = terminate(child).await;
    assert!(status.success(), "{logs}");

    let lines: Vec<Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let probe_line = lines
        .iter()
        .find(|l| l["span"]["id"] == "log-test-1")
        .unwrap_or_else(|| panic!("no line for the request id: {logs}"));
    assert_eq!(probe_line["span"]["operation"], "Probe");
    assert_eq!(probe_line["span"]["route"], "/graphql");
    assert_eq!(probe_line["fields"]["status"], 200);
    assert!(probe_line["fields"]["latency_ms"].is_number(), "{probe_line}");
    assert!(lines.iter().any(|l| l["span"]["operation"] == "SignUp"), "{logs}");
    assert!(lines.iter().any(|l| l["span"]["route"] == "/unsubscribe"), "{logs}");
    for secret in [ADMIN_TOKEN, "secret.reader", "SECRETTOKEN0123456789"] {
        assert!(!logs.contains(secret), "{secret} appears in the logs: {logs}");
    }
}

#[tokio::test]
async fn sigkill_mid_digest_leaves_claims_that_the_next_start_takes_over_within_a_minute() {
    let database = TestDatabase::create().await;
    let smtp = SmtpServer::start();
    // A slow server and one connection: the sender's one batch holds every recipient's claim
    // when it is killed.
    smtp.set_delay(Duration::from_millis(100));
    let port = free_port();
    let first = start(&database, &smtp, port).await;
    let db = Database::connect(&database.url).await.expect("connect");
    salarygraph_tests::insert_confirmed_subscribers(&db, 12, "example.com").await.expect("subscribers");
    let week = Week::last_completed(Utc::now());
    let answer: Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({
            "query": "mutation($week: Date) { sendDigest(week: $week) { status recipients } }",
            "variables": { "week": week.to_string() }
        }))
        .send()
        .await
        .expect("sendDigest")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["data"]["sendDigest"], json!({ "status": "SENDING", "recipients": 12 }), "{answer}");
    while smtp.received().len() < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    kill_hard(first).await;
    let killed = Instant::now();
    let rows = delivery::Entity::find().all(&db).await.expect("deliveries");
    assert!(rows.iter().any(|d| d.status == DeliveryStatus::Sending), "the dead sender's claims are left: {rows:#?}");

    smtp.set_delay(Duration::ZERO);
    let second = start(&database, &smtp, port).await;
    while the_run(&db).await.status != RunStatus::Done {
        assert!(killed.elapsed() < Duration::from_secs(60), "the dead sender's recipients were not taken over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, stderr) = terminate(second).await;
    assert!(status.success(), "{status}: {stderr}");

    // Every subscriber got the week's digest, each always under its own one Message-ID: a
    // second copy can only be the message in doubt at the kill, sent again as the same message.
    let deliveries = delivery::Entity::find().all(&db).await.expect("deliveries");
    let received = smtp.received();
    let mut extra_copies = 0;
    for i in 0..12 {
        let to = format!("reader{i}@example.com");
        let copies: Vec<String> = received
            .iter()
            .filter(|e| e.to == [to.clone()])
            .map(|e| e.header("Message-ID").expect("a Message-ID"))
            .collect();
        assert!(!copies.is_empty(), "{to} got nothing");
        let subscriber_ids: Vec<i32> =
            deliveries.iter().filter(|d| d.message_id == copies[0]).map(|d| d.subscriber_id).collect();
        assert_eq!(subscriber_ids.len(), 1, "{to}'s Message-ID is its delivery's: {copies:?}");
        assert!(copies.iter().all(|id| *id == copies[0]), "{to}: one message, whatever was resent: {copies:?}");
        extra_copies += copies.len() - 1;
    }
    assert!(extra_copies <= 1, "only the one message in doubt at the kill may arrive twice: {extra_copies}");
    let run = the_run(&db).await;
    assert_eq!((run.sent, run.failed), (12, 0));
}
