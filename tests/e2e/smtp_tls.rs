//! Mail over TLS, through the one pool every SMTP URL uses: STARTTLS to a server with a
//! self-signed certificate trusted through `SMTP_CA_FILE` (verification stays on),
//! implicit TLS (`smtps://`), and the refusals: an untrusted certificate, a server that does
//! not offer the STARTTLS the URL requires, credentials that would cross a network in clear.

use std::process::Command;

use jobs::mail::{Email, Mailer, MailerConfig, SendError};
use salarygraph_tests::{PostfixSink, SmtpServer, TestApp, TestOptions, tls};
use serde_json::json;

use crate::digest::{assert_one_each, assert_one_each_in, confirmed, context, demo_week, monday_after};

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

#[tokio::test]
async fn a_digest_to_a_server_that_pipelines_arrives_whole_and_once_each() {
    for pipelining in [true, false] {
        let Some(sink) = PostfixSink::start(pipelining) else { return };
        let app = TestApp::spawn_with(TestOptions { demo: true, smtp: false, ..TestOptions::default() }).await;
        let readers = confirmed(&app, 9).await;
        let mut ctx = context(&app);
        ctx.mailer = mailer(sink.url(), false);
        let week = demo_week();
        let summary = jobs::digest::run_weekly_digest(&ctx, week, monday_after(week)).await.expect("digest");
        assert_eq!((summary.run.sent, summary.run.failed), (9, 0), "pipelining {pipelining}");
        let received = sink.received();
        assert_one_each_in(received.clone(), &readers.iter().collect::<Vec<_>>());
        for email in &received {
            let subject = email.header("Subject").expect("subject");
            assert!(subject.starts_with("AI salaries, week of"), "{subject}");
            assert!(email.part("text/plain").is_some_and(|t| t.contains("Unsubscribe")), "text part whole");
            assert!(email.part("text/html").is_some_and(|h| h.trim_end().ends_with("</html>")), "HTML part whole");
        }

        // A line that starts with a dot survives the transfer's dot-stuffing.
        let mut dotted = email("dots@example.com");
        dotted.text = ".starts with a dot\n..two\n.\nlast".into();
        mailer(sink.url(), false).send(&dotted).await.expect("send");
        let arrived = sink.received().into_iter().find(|e| e.to == ["dots@example.com"]).expect("arrived");
        let text = arrived.part("text/plain").expect("text");
        assert!(
            text.contains(".starts with a dot\r\n..two\r\n.\r\nlast")
                || text.contains(".starts with a dot\n..two\n.\nlast"),
            "{text:?}"
        );
    }
}
