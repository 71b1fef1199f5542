//! The subscriber side of the newsletter over GraphQL: double opt-in with a real SMTP
//! server, throttling, validation, tokens, preferences, unsubscribing, rate limits, admin list.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use salarygraph_tests::{ReceivedEmail, SmtpBehaviour, TestApp, TestOptions, error_code};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::fixtures;

/// The `subscribe` mutation with `$email` and `$roles`.
pub const SUBSCRIBE: &str =
    "mutation($email: String!, $roles: [String!]) { subscribe(email: $email, roles: $roles) { ok message } }";
const CONFIRM: &str = "mutation($t: String!) { confirmSubscription(token: $t) { email status roles } }";
const PREFERENCES: &str =
    "mutation($t: String!, $r: [String!]!) { updatePreferences(token: $t, roles: $r) { email status roles } }";
const UNSUBSCRIBE: &str = "mutation($t: String!) { unsubscribe(token: $t) }";
const SUBSCRIBERS: &str = "query($s: SubscriberStatus, $f: Int, $a: String) {
    subscribers(status: $s, first: $f, after: $a) { nodes { email status roles } pageInfo { hasNextPage endCursor } totalCount } }";

/// The answer every well-formed sign-up gets.
pub fn same_answer() -> Value {
    json!({ "data": { "subscribe": { "ok": true, "message": "Check your inbox to confirm your subscription." } } })
}

/// An app without the rate limit, with the roles `llm-engineer` and `ai-architect`.
pub async fn app_with_roles() -> TestApp {
    let app = TestApp::spawn_with(TestOptions {
        env: vec![("SUBSCRIBE_RATE_LIMIT".into(), "0".into())],
        ..TestOptions::default()
    })
    .await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    fixtures::create_role(&app, "ai-architect", "AI Architect").await;
    app
}

/// Waits (up to 10 s) until `count` emails arrived; returns them all.
pub async fn wait_for_emails(app: &TestApp, count: usize) -> Vec<ReceivedEmail> {
    for _ in 0..200 {
        let emails = app.emails();
        if emails.len() >= count {
            return emails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} emails, got {}", app.emails().len());
}

/// Gives a background send time to happen, then returns every email received.
pub async fn emails_after_a_while(app: &TestApp) -> Vec<ReceivedEmail> {
    tokio::time::sleep(Duration::from_millis(800)).await;
    app.emails()
}

/// The first link in the text part that starts with `base_url` + `path`.
pub fn link(app: &TestApp, email: &ReceivedEmail, path: &str) -> String {
    let text = email.part("text/plain").expect("a text part");
    let prefix = format!("{}{path}", app.base_url);
    let start = text.find(&prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{text}"));
    text[start..].split_whitespace().next().unwrap_or_default().to_owned()
}

/// The token of a link.
pub fn token(link: &str) -> String {
    link.split("token=").nth(1).expect("a token").to_owned()
}

/// Subscribes `email` and returns its confirmation email (the `n`-th email of the app).
pub async fn subscribe_and_receive(app: &TestApp, email: &str, roles: Value, n: usize) -> ReceivedEmail {
    let answer = app.gql(SUBSCRIBE, json!({ "email": email, "roles": roles })).await;
    assert_eq!(answer, same_answer());
    wait_for_emails(app, n).await.into_iter().nth(n - 1).expect("the email")
}

async fn subscribers(app: &TestApp, status: Option<&str>) -> Value {
    let response = app.gql_as_admin(SUBSCRIBERS, json!({ "s": status })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["subscribers"]["nodes"].clone()
}

#[tokio::test]
async fn subscribing_sends_one_confirmation_whose_link_confirms_over_http() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "  Ann.Lee@Example.COM ", json!(["llm-engineer"]), 1).await;
    assert_eq!(email.to, ["Ann.Lee@example.com"]);
    assert!(email.header("From").is_some_and(|f| f.contains("digest@localhost")), "{}", email.raw);
    assert!(email.header("Date").is_some());
    assert!(email.header("Message-ID").is_some_and(|id| id.starts_with('<') && id.ends_with('>')));
    assert!(email.header("Content-Type").is_some_and(|t| t.starts_with("multipart/alternative")));
    let (text, html) = (email.part("text/plain").expect("text"), email.part("text/html").expect("html"));
    let confirm = link(&app, &email, "/subscriptions/confirm?token=");
    let unsubscribe = link(&app, &email, "/unsubscribe?token=");
    let preferences = link(&app, &email, "/preferences?token=");
    assert!(token(&confirm).len() >= 22, "at least 128 bits: {confirm}");
    for url in [&confirm, &unsubscribe, &preferences] {
        assert!(html.contains(url.as_str()), "the HTML part says the same: {url}\n{html}");
    }
    assert!(text.contains("LLM Engineer") && html.contains("LLM Engineer"));
    assert_eq!(
        subscribers(&app, None).await,
        json!([{ "email": "Ann.Lee@example.com", "status": "PENDING", "roles": ["llm-engineer"] }])
    );

    // Opening the link asks first (mail scanners open every link); its button confirms.
    let page = app.client.get(&confirm).send().await.expect("GET confirm");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("<title>Confirm your subscription · salarygraph</title>"));
    assert_eq!(subscribers(&app, None).await[0]["status"], "PENDING");
    let page = app.client.post(&confirm).send().await.expect("POST confirm");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("<title>You are subscribed · salarygraph</title>"));
    assert_eq!(subscribers(&app, Some("CONFIRMED")).await[0]["email"], "Ann.Lee@example.com");
    // The link is idempotent, and only the token's hash is stored.
    let again = app.gql(CONFIRM, json!({ "t": token(&confirm) })).await;
    assert_eq!(again["data"]["confirmSubscription"]["status"], "CONFIRMED", "{again}");
    let hashes = entity::subscriber_token::Entity::find().all(&app.db).await.expect("tokens");
    assert!(hashes.iter().all(|t| t.token_hash != token(&confirm) && t.token_hash.len() == 64));
}

#[tokio::test]
async fn a_second_sign_up_within_ten_minutes_sends_nothing_and_answers_the_same() {
    let app = app_with_roles().await;
    subscribe_and_receive(&app, "ann@example.com", json!(null), 1).await;
    let second = app.gql(SUBSCRIBE, json!({ "email": "ann@EXAMPLE.com", "roles": ["ai-architect"] })).await;
    assert_eq!(second, same_answer());
    assert_eq!(emails_after_a_while(&app).await.len(), 1);

    // Ten minutes later the address may get a new link.
    let earlier = Utc::now() - TimeDelta::minutes(11);
    entity::subscriber::Entity::update_many()
        .col_expr(entity::subscriber::Column::ConfirmationSentAt, Expr::value(earlier))
        .exec(&app.db)
        .await
        .expect("backdate");
    let email = subscribe_and_receive(&app, "ann@example.com", json!(null), 2).await;
    app.client.post(link(&app, &email, "/subscriptions/confirm?token=")).send().await.expect("confirm");

    // A confirmed address gets the same answer and no second confirmation, even later.
    entity::subscriber::Entity::update_many()
        .col_expr(entity::subscriber::Column::ConfirmationSentAt, Expr::value(earlier))
        .exec(&app.db)
        .await
        .expect("backdate");
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "ann@example.com" })).await, same_answer());
    assert_eq!(emails_after_a_while(&app).await.len(), 2);
    assert_eq!(subscribers(&app, None).await[0]["status"], "CONFIRMED");
}

#[tokio::test]
async fn a_burst_of_sign_ups_is_recorded_together_and_each_address_gets_one_confirmation() {
    let app = app_with_roles().await;
    let known = subscribe_and_receive(&app, "known@example.com", json!(null), 1).await;
    let confirmed = app.gql(CONFIRM, json!({ "t": token(&link(&app, &known, "/subscriptions/confirm?token=")) })).await;
    assert!(confirmed["errors"].is_null(), "{confirmed}");

    // While the table is held the recorder waits on its first sign-up, and the rest of the
    // burst queues up behind it.
    let lock = crate::sign_up_abuse::hold_subscriber_table(&app).await;
    let before = app.statements();
    let readers: Vec<String> = (0..100).map(|n| format!("reader{n}@example.com")).collect();
    // A confirmed reader and a second spelling of a mailbox in the burst: neither gets more.
    let burst: Vec<&str> =
        readers.iter().map(String::as_str).chain(["known@example.com", "READER7@example.com"]).collect();
    let roles = json!(["llm-engineer", "ai-architect"]);
    let answers = futures::future::join_all(
        burst.iter().map(|email| app.gql(SUBSCRIBE, json!({ "email": email, "roles": roles.clone() }))),
    )
    .await;
    assert!(answers.iter().all(|a| *a == same_answer()), "{answers:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.rollback().await.expect("release");

    let emails = wait_for_emails(&app, 1 + readers.len()).await;
    assert_eq!(emails_after_a_while(&app).await.len(), 1 + readers.len(), "one confirmation per new mailbox");
    let mut per_reader: HashMap<String, usize> = HashMap::new();
    for email in &emails[1..] {
        // Whichever spelling of reader7 came first is the one written to.
        *per_reader.entry(email.to.join(",").to_lowercase()).or_default() += 1;
        let text = email.part("text/plain").expect("a text part");
        let (ai, llm) = (text.find("AI Architect"), text.find("LLM Engineer"));
        assert!(ai.is_some() && ai < llm, "both roles' titles, alphabetically:\n{text}");
    }
    assert!(readers.iter().all(|r| per_reader.get(r) == Some(&1)), "{per_reader:?}");

    // Recorded together: checking the roles is one statement per sign-up, on its request;
    // recording them one at a time took four or more each.
    let recording = app.statements() - before - burst.len();
    assert!(recording <= 30, "{recording} statements to record {} sign-ups", burst.len());

    // Each link confirms its own mailbox, with the roles as asked.
    let last = emails.last().expect("an email");
    let answer = app.gql(CONFIRM, json!({ "t": token(&link(&app, last, "/subscriptions/confirm?token=")) })).await;
    let confirmed = &answer["data"]["confirmSubscription"];
    assert_eq!(confirmed["email"].as_str(), Some(last.to[0].as_str()), "{answer}");
    assert_eq!(confirmed["roles"], roles, "{answer}");
}

#[tokio::test]
async fn malformed_addresses_are_bad_user_input_and_get_no_mail() {
    let app = app_with_roles().await;
    let long = format!("{}@example.com", "a".repeat(288));
    let cases = [
        "ann.example.com",
        "ann lee@example.com",
        long.as_str(),
        "ann@example.com\r\nBcc: victim@example.com",
        "ann@example.com\nSubject: hi",
        "",
        "ann@",
        "@example.com",
    ];
    for email in cases {
        let response = app.gql(SUBSCRIBE, json!({ "email": email })).await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{email:?}: {response}");
        assert!(response["errors"][0]["message"].as_str().is_some_and(|m| m.contains("email")), "{response}");
    }
    assert!(emails_after_a_while(&app).await.is_empty());
    assert_eq!(subscribers(&app, None).await, json!([]));
}

#[tokio::test]
async fn unknown_roles_are_named_and_nothing_is_stored() {
    let app = app_with_roles().await;
    let response =
        app.gql(SUBSCRIBE, json!({ "email": "ann@example.com", "roles": ["llm-engineer", "ghost", "nope"] })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert_eq!(response["errors"][0]["message"], "unknown roles: ghost, nope");
    assert!(emails_after_a_while(&app).await.is_empty());
    assert_eq!(subscribers(&app, None).await, json!([]));
}

#[tokio::test]
async fn an_expired_or_made_up_confirmation_token_is_refused() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(["ai-architect"]), 1).await;
    let confirm = link(&app, &email, "/subscriptions/confirm?token=");
    entity::subscriber_token::Entity::update_many()
        .col_expr(entity::subscriber_token::Column::ExpiresAt, Expr::value(Utc::now() - TimeDelta::minutes(1)))
        .filter(entity::subscriber_token::Column::Purpose.eq(entity::TokenPurpose::Confirm))
        .exec(&app.db)
        .await
        .expect("expire the token");
    let response = app.gql(CONFIRM, json!({ "t": token(&confirm) })).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert!(response["errors"][0]["message"].as_str().is_some_and(|m| m.contains("expired")), "{response}");
    assert_eq!(subscribers(&app, None).await[0]["status"], "PENDING");

    let made_up = app.gql(CONFIRM, json!({ "t": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).await;
    assert_eq!(error_code(&made_up), Some("NOT_FOUND"), "{made_up}");
    assert!(made_up["errors"][0]["message"].as_str().is_some_and(|m| m.contains("not valid")), "{made_up}");
    assert_eq!(subscribers(&app, None).await[0]["status"], "PENDING");
}

#[tokio::test]
async fn preferences_and_unsubscribe_work_with_the_token_of_the_email() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(null), 1).await;
    app.client.post(link(&app, &email, "/subscriptions/confirm?token=")).send().await.expect("confirm");
    let manage = token(&link(&app, &email, "/preferences?token="));

    let updated = app.gql(PREFERENCES, json!({ "t": manage, "r": ["ai-architect", "llm-engineer"] })).await;
    assert_eq!(
        updated["data"]["updatePreferences"],
        json!({ "email": "ann@example.com", "status": "CONFIRMED", "roles": ["ai-architect", "llm-engineer"] })
    );
    let unknown = app.gql(PREFERENCES, json!({ "t": manage, "r": ["ghost"] })).await;
    assert_eq!(error_code(&unknown), Some("BAD_USER_INPUT"));
    assert_eq!(unknown["errors"][0]["message"], "unknown roles: ghost");
    let bad_token = app.gql(PREFERENCES, json!({ "t": "nope", "r": [] })).await;
    assert_eq!(error_code(&bad_token), Some("NOT_FOUND"));
    // The confirmation token is not a manage token.
    let wrong_kind =
        app.gql(UNSUBSCRIBE, json!({ "t": token(&link(&app, &email, "/subscriptions/confirm?token=")) })).await;
    assert_eq!(error_code(&wrong_kind), Some("NOT_FOUND"));

    assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": manage })).await, json!({ "data": { "unsubscribe": true } }));
    assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": manage })).await, json!({ "data": { "unsubscribe": true } }));
    assert_eq!(subscribers(&app, Some("UNSUBSCRIBED")).await[0]["email"], "ann@example.com");
}

#[tokio::test]
async fn one_click_unsubscribe_answers_200_and_the_address_gets_no_more_mail() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(null), 1).await;
    let confirm = link(&app, &email, "/subscriptions/confirm?token=");
    let unsubscribe = link(&app, &email, "/unsubscribe?token=");
    let response = app
        .client
        .post(&unsubscribe)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one-click POST");
    assert_eq!(response.status(), 200);
    assert_eq!(subscribers(&app, None).await[0]["status"], "UNSUBSCRIBED");

    // The confirmation link still in the mailbox no longer signs the address up.
    assert_eq!(app.client.get(&confirm).send().await.expect("GET").status(), 404);
    assert_eq!(app.client.post(&confirm).send().await.expect("POST").status(), 404);
    assert_eq!(subscribers(&app, None).await[0]["status"], "UNSUBSCRIBED");
    // Signing up again within ten minutes sends nothing; nothing else arrives either.
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "ann@example.com" })).await, same_answer());
    assert_eq!(emails_after_a_while(&app).await.len(), 1);

    // A multipart one-click (RFC 8058's own example) works too; a made-up link is a 404.
    let multipart = "--B\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--B--\r\n";
    let response = app
        .client
        .post(&unsubscribe)
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(multipart)
        .send()
        .await
        .expect("multipart one-click");
    assert_eq!(response.status(), 200);
    let unknown = app
        .client
        .post(format!("{}/unsubscribe?token=made-up", app.base_url))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_refused_confirmation_answers_the_same_and_may_be_asked_again_at_once() {
    let app = app_with_roles().await;
    let smtp = app.smtp.clone().expect("an SMTP server");
    let refuse = HashMap::from([("ann@example.com".to_owned(), (550, u32::MAX))]);
    smtp.set_behaviour(SmtpBehaviour { refuse });
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "ann@example.com" })).await, same_answer());
    // The failed send frees the ten-minute slot (on the background task that sent it).
    let mut freed = false;
    for _ in 0..100 {
        let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
        if stored.len() == 1 && stored[0].confirmation_sent_at.is_none() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed, "confirmation_sent_at must not record a failed send");
    assert!(app.emails().is_empty());

    smtp.set_behaviour(SmtpBehaviour::default());
    let email = subscribe_and_receive(&app, "ann@example.com", json!(null), 1).await;
    assert_eq!(email.to, ["ann@example.com"]);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_rate_limited() {
    let app = TestApp::spawn_with(TestOptions {
        env: vec![("SUBSCRIBE_RATE_LIMIT".into(), "2".into())],
        ..TestOptions::default()
    })
    .await;
    for n in 0..2 {
        let (status, body) = app.gql_with(SUBSCRIBE, json!({ "email": format!("a{n}@example.com") }), None).await;
        assert_eq!((status, body), (200, same_answer()));
    }
    let (status, body) = app.gql_with(SUBSCRIBE, json!({ "email": "a3@example.com" }), None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
    let page = app.client.post(format!("{}/subscribe", app.base_url)).form(&[("email", "a4@example.com")]).send();
    assert_eq!(page.await.expect("POST /subscribe").status(), 429);
    assert_eq!(wait_for_emails(&app, 2).await.len(), 2);
    assert_eq!(emails_after_a_while(&app).await.len(), 2);
}

#[tokio::test]
async fn admins_page_through_subscribers_by_status() {
    let app = app_with_roles().await;
    // One after the other: sign-ups are recorded after the answer, and their email says so.
    for n in 0..3 {
        subscribe_and_receive(&app, &format!("s{n}@example.com"), json!(null), n + 1).await;
    }
    let first = app.gql_as_admin(SUBSCRIBERS, json!({ "s": "PENDING", "f": 2 })).await;
    let page = &first["data"]["subscribers"];
    assert_eq!(page["totalCount"], 3, "{first}");
    assert_eq!(page["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest =
        app.gql_as_admin(SUBSCRIBERS, json!({ "s": "PENDING", "f": 2, "a": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(
        rest["data"]["subscribers"]["nodes"],
        json!([{ "email": "s2@example.com", "status": "PENDING", "roles": [] }])
    );
    assert_eq!(rest["data"]["subscribers"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(subscribers(&app, Some("CONFIRMED")).await, json!([]));

    let too_many = app.gql_as_admin(SUBSCRIBERS, json!({ "f": 101 })).await;
    assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
    let anonymous = app.gql(SUBSCRIBERS, json!({})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHORIZED"));
    assert!(anonymous["data"].is_null(), "{anonymous}");
}
