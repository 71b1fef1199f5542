//! The public sign-up under abuse: one client behind a load balancer locking everyone out,
//! IPv6 clients with a fresh address per request, confirmation bombing by letter case, and
//! probing who is subscribed by how long `subscribe` takes.

use std::time::Duration;

use chrono::Utc;
use entity::{SubscriberStatus, TokenPurpose, subscriber, subscriber_token};
use salarygraph_tests::{Backend, TestApp, TestDatabase, error_code};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryOrder, Set, TransactionTrait};
use serde_json::{Value, json};

use crate::subscriptions::{SUBSCRIBE, emails_after_a_while, link, same_answer, token, wait_for_emails};

const CONFIRM: &str = "mutation($t: String!) { confirmSubscription(token: $t) { email status } }";

/// `subscribe` for `email` from behind the proxy as `forwarded_for`; the status and answer.
async fn sign_up_as(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(format!("{}/graphql", app.base_url)).json(&json!({
        "query": SUBSCRIBE, "variables": { "email": email }
    }));
    if let Some(hops) = forwarded_for {
        request = request.header("x-forwarded-for", hops);
    }
    let response = request.send().await.expect("POST");
    (response.status().as_u16(), response.json().await.expect("JSON"))
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    let app = TestApp::spawn_with_env(&[("SUBSCRIBE_RATE_LIMIT", "2"), ("TRUSTED_PROXIES", "127.0.0.0/8, ::1")]).await;
    for n in 0..2 {
        assert_eq!(sign_up_as(&app, &format!("a{n}@example.com"), Some("198.51.100.1")).await.0, 200);
    }
    let (status, answer) = sign_up_as(&app, "a2@example.com", Some("198.51.100.1")).await;
    assert_eq!((status, error_code(&answer)), (429, Some("RATE_LIMITED")), "{answer}");
    // Forging a hop left of the proxy's changes nothing: the right-most untrusted hop counts.
    assert_eq!(sign_up_as(&app, "a3@example.com", Some("203.0.113.77, 198.51.100.1")).await.0, 429);
    // Another reader behind the same load balancer is not locked out.
    assert_eq!(sign_up_as(&app, "b0@example.com", Some("198.51.100.2")).await.0, 200);
    // An IPv6 client is its /64: a new address in it does not get a new allowance.
    for n in 0..2 {
        assert_eq!(sign_up_as(&app, &format!("v{n}@example.com"), Some(&format!("2001:db8:1:1::{n}"))).await.0, 200);
    }
    assert_eq!(sign_up_as(&app, "v2@example.com", Some("2001:db8:1:1:ffff::9")).await.0, 429);
    assert_eq!(sign_up_as(&app, "w0@example.com", Some("2001:db8:1:2::1")).await.0, 200, "another /64");
    // Nothing was lost: each accepted sign-up got its email, the refused ones none.
    let mut to: Vec<String> = emails_after_a_while(&app).await.into_iter().flat_map(|e| e.to).collect();
    to.sort();
    let accepted = ["a0", "a1", "b0", "v0", "v1", "w0"].map(|n| format!("{n}@example.com"));
    assert_eq!(to, accepted);
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_headers_are_ignored() {
    let app = TestApp::spawn_with_env(&[("SUBSCRIBE_RATE_LIMIT", "1")]).await;
    assert_eq!(sign_up_as(&app, "a@example.com", Some("198.51.100.1")).await.0, 200);
    assert_eq!(sign_up_as(&app, "b@example.com", Some("198.51.100.2")).await.0, 429, "a made-up header buys nothing");
}

#[tokio::test]
async fn signing_up_and_using_email_links_have_separate_allowances() {
    let app = TestApp::spawn_with_env(&[("SUBSCRIBE_RATE_LIMIT", "1"), ("LINK_RATE_LIMIT", "2")]).await;
    assert_eq!(sign_up_as(&app, "ann@example.com", None).await.0, 200);
    assert_eq!(sign_up_as(&app, "bob@example.com", None).await.0, 429);
    let email = wait_for_emails(&app, 1).await.remove(0);
    let confirm = token(&link(&app, &email, "/subscriptions/confirm?token="));
    // The sign-up allowance is spent; confirming still works.
    let confirmed = app.gql(CONFIRM, json!({ "t": confirm })).await;
    assert_eq!(confirmed["data"]["confirmSubscription"]["status"], "CONFIRMED", "{confirmed}");
    assert!(app.gql(CONFIRM, json!({ "t": confirm })).await["errors"].is_null());
    let (status, answer) = app.gql_with(CONFIRM, json!({ "t": confirm }), None).await;
    assert_eq!((status, error_code(&answer)), (429, Some("RATE_LIMITED")));
    // Leaving is never limited.
    let unsubscribe = token(&link(&app, &email, "/unsubscribe?token="));
    let left = app.gql("mutation($t: String!) { unsubscribe(token: $t) }", json!({ "t": unsubscribe })).await;
    assert_eq!(left, json!({ "data": { "unsubscribe": true } }));
    // The sign-up form's POST shares the sign-up allowance.
    let form = app.client.post(format!("{}/subscribe", app.base_url)).form(&[("email", "cy@example.com")]).send().await;
    assert_eq!(form.expect("POST /subscribe").status(), 429);
}

#[tokio::test]
async fn an_address_is_one_subscriber_whatever_its_letter_case() {
    let app = TestApp::spawn_with_env(&[("SUBSCRIBE_RATE_LIMIT", "0")]).await;
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "Ann.Lee@Example.com" })).await, same_answer());
    let email = wait_for_emails(&app, 1).await.remove(0);
    assert_eq!(email.to, ["Ann.Lee@example.com"], "sent as typed");
    for variant in ["ann.lee@example.com", "ANN.LEE@EXAMPLE.COM", "aNN.lEE@example.COM"] {
        assert_eq!(app.gql(SUBSCRIBE, json!({ "email": variant })).await, same_answer());
    }
    assert_eq!(emails_after_a_while(&app).await.len(), 1, "one confirmation for one mailbox");
    let confirm = token(&link(&app, &email, "/subscriptions/confirm?token="));
    assert!(app.gql(CONFIRM, json!({ "t": confirm })).await["errors"].is_null());
    // Confirmed: other spellings get nothing either, however long after.
    subscriber::Entity::update_many()
        .col_expr(
            subscriber::Column::ConfirmationSentAt,
            sea_orm::sea_query::Expr::value(Utc::now() - chrono::TimeDelta::hours(1)),
        )
        .exec(&app.db)
        .await
        .expect("backdate");
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "ANN.LEE@example.com" })).await, same_answer());
    assert_eq!(emails_after_a_while(&app).await.len(), 1);
    let stored = subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!((stored[0].email.as_str(), stored[0].status), ("Ann.Lee@example.com", SubscriberStatus::Confirmed));
    // The database refuses a second spelling too, whoever writes it.
    let now = Utc::now();
    let duplicate = subscriber::ActiveModel {
        email: Set("ANN.LEE@EXAMPLE.COM".into()),
        status: Set(SubscriberStatus::Pending),
        roles: Set(Default::default()),
        permanent_failures: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    assert!(duplicate.insert(&app.db).await.is_err());
}

#[tokio::test]
async fn the_migration_merges_addresses_stored_in_several_cases() {
    let database = TestDatabase::create().await;
    let db = api::db::connect(&database.url).await.expect("connect");
    let before_merge = <migration::Migrator as migration::MigratorTrait>::migrations()
        .iter()
        .position(|m| m.name().contains("subscriber_email_case_insensitive"))
        .expect("the merge migration");
    <migration::Migrator as migration::MigratorTrait>::up(&db, Some(before_merge as u32))
        .await
        .expect("up to before it");
    let at = |minutes: i64| Utc::now() - chrono::TimeDelta::minutes(1_000 - minutes);
    let insert = |email: &'static str,
                  status: SubscriberStatus,
                  roles: &'static [&'static str],
                  confirmed: Option<i64>,
                  created: i64| {
        let db = db.clone();
        async move {
            subscriber::ActiveModel {
                email: Set(email.into()),
                status: Set(status),
                roles: Set(roles.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>().into()),
                confirmed_at: Set(confirmed.map(at)),
                permanent_failures: Set(0),
                created_at: Set(at(created)),
                updated_at: Set(at(created)),
                ..Default::default()
            }
            .insert(&db)
            .await
            .expect("insert")
        }
    };
    // Three spellings of one mailbox: the second was confirmed first.
    let first = insert("ann@example.com", SubscriberStatus::Confirmed, &["a"], Some(30), 1).await;
    let keeper = insert("Ann@example.com", SubscriberStatus::Confirmed, &["b"], Some(20), 2).await;
    let pending = insert("ANN@example.com", SubscriberStatus::Pending, &["c"], None, 3).await;
    // Two spellings never confirmed: the oldest stays, following every role asked for.
    let old = insert("bob@example.com", SubscriberStatus::Pending, &["x"], None, 4).await;
    let _new = insert("BOB@example.com", SubscriberStatus::Unsubscribed, &["y"], None, 5).await;
    let alone = insert("cy@example.com", SubscriberStatus::Confirmed, &[], Some(1), 6).await;
    for (subscriber_id, hash) in [(first.id, "h1"), (pending.id, "h2")] {
        subscriber_token::ActiveModel {
            subscriber_id: Set(subscriber_id),
            purpose: Set(TokenPurpose::Manage),
            token_hash: Set(hash.into()),
            expires_at: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("token");
    }

    api::db::migrate(&db).await.expect("the rest");
    let stored: Vec<(i32, String, Vec<String>)> = subscriber::Entity::find()
        .order_by_asc(subscriber::Column::Id)
        .all(&db)
        .await
        .expect("subscribers")
        .into_iter()
        .map(|s| (s.id, s.email.clone(), s.roles.to_vec()))
        .collect();
    assert_eq!(
        stored,
        [
            (keeper.id, "Ann@example.com".to_owned(), vec!["a".to_owned(), "b".to_owned()]),
            (old.id, "bob@example.com".to_owned(), vec!["x".to_owned(), "y".to_owned()]),
            (alone.id, "cy@example.com".to_owned(), vec![]),
        ],
        "the pending spelling's role is not added to a confirmed subscription"
    );
    let tokens = subscriber_token::Entity::find().all(&db).await.expect("tokens");
    assert!(tokens.iter().all(|t| t.subscriber_id == keeper.id), "old links now act for the kept row: {tokens:#?}");

    // Down restores the index on the address as typed (merged rows stay merged); up again.
    api::db::migrate_down(&db, Some(1 + after(before_merge))).await.expect("down");
    api::db::migrate(&db).await.expect("up again");
    assert_eq!(api::db::pending_migrations(&db).await.expect("status"), 0);
}

/// Holds the subscriber table on a connection of its own until the transaction ends: on
/// PostgreSQL nobody may read or write it, on SQLite nobody may write (readers go on, WAL).
pub async fn hold_subscriber_table(app: &TestApp) -> DatabaseTransaction {
    let holder = api::db::connect(&app.database.url).await.expect("connect");
    let lock = holder.begin().await.expect("begin");
    let statement = match app.database.backend {
        Backend::Postgres => "LOCK TABLE subscriber IN ACCESS EXCLUSIVE MODE",
        // SQLite locks the whole file for writing.
        Backend::Sqlite => "UPDATE subscriber SET updated_at = updated_at",
    };
    lock.execute_unprepared(statement).await.expect("hold the subscriber table");
    lock
}

/// Migrations after the merge one.
fn after(index: usize) -> u32 {
    (<migration::Migrator as migration::MigratorTrait>::migrations().len() - index - 1) as u32
}

#[tokio::test]
async fn subscribe_answers_before_touching_the_subscriber_table_whatever_the_address() {
    let app = TestApp::spawn_with_env(&[("SUBSCRIBE_RATE_LIMIT", "0")]).await;
    // A confirmed reader.
    assert_eq!(app.gql(SUBSCRIBE, json!({ "email": "known@example.com" })).await, same_answer());
    let email = wait_for_emails(&app, 1).await.remove(0);
    let confirm = token(&link(&app, &email, "/subscriptions/confirm?token="));
    assert!(app.gql(CONFIRM, json!({ "t": confirm })).await["errors"].is_null());

    // Another connection holds the subscriber table: any path that read or wrote it before
    // answering would wait for it.
    let lock = hold_subscriber_table(&app).await;
    for address in ["known@example.com", "new@example.com"] {
        let answer =
            tokio::time::timeout(Duration::from_secs(3), app.gql(SUBSCRIBE, json!({ "email": address }))).await;
        assert_eq!(answer.expect("answered while the table is held"), same_answer(), "{address}");
    }
    lock.rollback().await.expect("release");
    // The work happened afterwards: the new address got its email, the known one nothing.
    let emails = wait_for_emails(&app, 2).await;
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[1].to, ["new@example.com"]);
    assert_eq!(emails_after_a_while(&app).await.len(), 2);
}
