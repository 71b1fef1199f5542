//! Mail over TLS, through the one pool every SMTP URL uses: STARTTLS to a server with a
//! self-signed certificate trusted through `SMTP_CA_FILE` (verification stays on),
//! implicit TLS (`smtps://`), and the refusals: an untrusted certificate, a server that does
//! not offer the STARTTLS the URL requires, credentials that would cross a network in clear.

use std::process::Command;

use jobs::mail::{Email, Mailer, MailerConfig, SendError};
use salarygraph_tests::{SmtpServer, TestApp, TestOptions, tls};
use serde_json::json;

use crate::digest::{assert_one_each, confirmed, context, demo_week, monday_after};

fn mailer(url: String, trust_test_certificate: bool) -> Mailer {
    Mailer::new(&MailerConfig {
        smtp_url: Some(url),
        from: "salarygraph <digest@localhost>".into(),
        outbox_dir: std::env::temp_dir(),
        max_connections: 2,
        ca_file: trust_test_certificate.then(|| tls::certificate().cert_path.clone()),
    })
    .expect("mailer")
}

fn email(to: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "Over TLS".into(),
        text: "plain".into(),
        html: "<p>html</p>".into(),
        message_id: Some(format!("<{to}.tls@salarygraph>")),
        headers: vec![],
        inline_png: vec![],
    }
}

#[tokio::test]
async fn the_digest_goes_over_starttls_to_a_server_trusted_through_smtp_ca_file() {
    let app = TestApp::spawn_with(TestOptions { demo: true, starttls: true, ..TestOptions::default() }).await;
    assert!(app.config.smtp_ca_file.is_some());
    let readers = confirmed(&app, 6).await;
    let week = demo_week();
    let summary =
        jobs::digest::run_weekly_digest(&context(&app), week, monday_after(week)).await.expect("digest over STARTTLS");
    assert_eq!((summary.run.sent, summary.run.failed), (6, 0));
    assert_one_each(&app, &readers.iter().collect::<Vec<_>>());

    // Sign-up mail takes the same path.
    let signup = app.gql("mutation { subscribe(email: \"tls.reader@example.com\") { ok } }", json!({})).await;
    assert_eq!(signup["data"]["subscribe"]["ok"], true, "{signup}");
    let all = crate::subscriptions::wait_for_emails(&app, 7).await;
    assert!(all.iter().any(|e| e.to == ["tls.reader@example.com"]), "confirmation sent over STARTTLS");
}

#[tokio::test]
async fn an_untrusted_certificate_or_a_server_without_starttls_gets_nothing() {
    let server = SmtpServer::start_with_starttls();
    let untrusted = mailer(server.url(), false).send(&email("a@example.com")).await;
    match untrusted {
        Err(SendError::Unreachable(reason)) => assert!(reason.contains("certificate"), "{reason}"),
        other => panic!("an unknown certificate must stop the send: {other:?}"),
    }
    assert!(server.received().is_empty());
    mailer(server.url(), true).send(&email("b@example.com")).await.expect("trusted through SMTP_CA_FILE");
    assert_eq!(server.received().len(), 1);

    let plain_only = SmtpServer::start();
    let required = format!("smtp://127.0.0.1:{}?tls=required", plain_only.port());
    match mailer(required, true).send(&email("c@example.com")).await {
        Err(SendError::Unreachable(reason)) => assert!(reason.contains("does not offer STARTTLS"), "{reason}"),
        other => panic!("no fallback to plain text when TLS is required: {other:?}"),
    }
    assert!(plain_only.received().is_empty());
    // Opportunistic TLS does fall back, as its name says.
    let opportunistic = format!("smtp://127.0.0.1:{}?tls=opportunistic", plain_only.port());
    mailer(opportunistic, true).send(&email("d@example.com")).await.expect("plain fallback");
    assert_eq!(plain_only.received().len(), 1);
}

#[tokio::test]
async fn implicit_tls_goes_through_the_same_pool() {
    let server = SmtpServer::start();
    let port = tls::implicit_tls_front(([127, 0, 0, 1], server.port()).into()).await;
    let smtps = mailer(format!("smtps://127.0.0.1:{port}"), true);
    for i in 0..3 {
        smtps.send(&email(&format!("reader{i}@example.com"))).await.expect("sent over implicit TLS");
    }
    let mut received: Vec<String> = server.received().iter().flat_map(|e| e.to.clone()).collect();
    received.sort();
    assert_eq!(received, ["reader0@example.com", "reader1@example.com", "reader2@example.com"]);
    match mailer(format!("smtps://127.0.0.1:{port}"), false).send(&email("x@example.com")).await {
        Err(SendError::Unreachable(reason)) => assert!(reason.contains("certificate"), "{reason}"),
        other => panic!("an unknown certificate must stop the send: {other:?}"),
    }
}

#[tokio::test]
async fn credentials_that_would_cross_a_network_in_clear_stop_start_up() {
    let output = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", "sqlite::memory:")
        .env("SMTP_URL", "smtp://digest:s3cret-pw@mail.example.com:25")
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a configuration error: {stderr}");
    assert!(stderr.contains("SMTP_URL"), "{stderr}");
    assert!(stderr.contains("smtp://USER:PASS@mail.example.com:587?tls=required"), "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "the password is not printed: {stderr}");
}
