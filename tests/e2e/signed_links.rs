//! The unsubscribe and preferences links of emails: signed, so that a digest adds no row
//! per email; unsubscribe links work for ever (those of emails sent before signing too);
//! preferences links for 90 days; keys rotate without breaking links already sent.

use chrono::{TimeDelta, Utc};
use entity::{SubscriberStatus, TokenPurpose, link_key, subscriber_token};
use jobs::signed_links;
use salarygraph_tests::{TestApp, TestOptions, error_code};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};
use serde_json::json;

use crate::digest::{add_subscriber, confirmed, demo_week, digests_by_recipient, monday_after};
use crate::subscriptions::{link, token};

const PREFERENCES: &str = "mutation($t: String!) { updatePreferences(token: $t, roles: []) { status } }";
const UNSUBSCRIBE: &str = "mutation($t: String!) { unsubscribe(token: $t) }";

async fn manage_rows(app: &TestApp) -> u64 {
    subscriber_token::Entity::find().count(&app.db).await.expect("count")
}

#[tokio::test]
async fn a_digest_adds_no_token_rows_and_its_links_work() {
    let app = TestApp::spawn_with(TestOptions {
        demo: true,
        env: vec![("LINK_KEY_ROTATION_DAYS".into(), "1".into())],
        ..TestOptions::default()
    })
    .await;
    let readers = confirmed(&app, 5).await;
    // A key from two days ago: the weekly job replaces it before sending.
    let old_key = signed_links::signing_key(&app.db, Utc::now()).await.expect("a key");
    link_key::Entity::update_many()
        .col_expr(link_key::Column::CreatedAt, Expr::value(Utc::now() - TimeDelta::days(2)))
        .exec(&app.db)
        .await
        .expect("backdate");
    let before = manage_rows(&app).await;
    api::weekly_job::run(&app.state, monday_after(demo_week())).await;
    let digests = digests_by_recipient(&app);
    assert_eq!(digests.len(), 5, "{:?}", digests.keys());
    assert_eq!(manage_rows(&app).await, before, "no row per email");
    let keys = link_key::Entity::find().order_by_asc(link_key::Column::Id).all(&app.db).await.expect("keys");
    assert_eq!(keys.len(), 2, "rotated: {keys:#?}");
    assert!(keys[0].retired_at.is_some() && keys[1].retired_at.is_none());

    let email = &digests[&readers[0].email][0];
    let unsubscribe = token(&link(&app, email, "/unsubscribe?token="));
    assert_eq!(unsubscribe.len(), signed_links::TOKEN_LEN);
    let (claims, _) = signed_links::decode(&unsubscribe).expect("a signed token");
    assert_eq!((claims.key_id, claims.subscriber_id), (keys[1].id, readers[0].id), "signed by the new key");
    let list_unsubscribe = email.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(list_unsubscribe.contains(&unsubscribe), "{list_unsubscribe}");
    let preferences = token(&link(&app, email, "/preferences?token="));
    assert_eq!(
        app.gql(PREFERENCES, json!({ "t": preferences })).await["data"]["updatePreferences"]["status"],
        "CONFIRMED"
    );

    // A link signed by the retired key, while it was the newest, still unsubscribes.
    let before_rotation = signed_links::sign(&old_key, readers[1].id, Utc::now() - TimeDelta::days(2));
    assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": before_rotation })).await, json!({ "data": { "unsubscribe": true } }));
    // One changed character, and it is nobody's link.
    let mut forged = unsubscribe.clone().into_bytes();
    forged[20] = if forged[20] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    assert_eq!(error_code(&app.gql(UNSUBSCRIBE, json!({ "t": forged })).await), Some("NOT_FOUND"));
    let page = app
        .client
        .post(format!("{}/unsubscribe?token={forged}", app.base_url))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await;
    assert_eq!(page.expect("one-click").status(), 404);
    assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": unsubscribe })).await, json!({ "data": { "unsubscribe": true } }));
}

#[tokio::test]
async fn preferences_links_expire_after_ninety_days_and_unsubscribe_links_never() {
    let app = TestApp::spawn().await;
    let reader = add_subscriber(&app, "reader@example.com", SubscriberStatus::Confirmed, &[]).await;
    let key = signed_links::signing_key(&app.db, Utc::now()).await.expect("a key");
    // Backdate the key so that it could have signed links months ago.
    let key = link_key::ActiveModel {
        id: Set(key.id),
        created_at: Set(Utc::now() - TimeDelta::days(400)),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .expect("backdate");
    let recent = signed_links::sign(&key, reader.id, Utc::now() - TimeDelta::days(89));
    let answer = app.gql(PREFERENCES, json!({ "t": recent })).await;
    assert!(answer["errors"].is_null(), "{answer}");
    let old = signed_links::sign(&key, reader.id, Utc::now() - TimeDelta::days(91));
    let expired = app.gql(PREFERENCES, json!({ "t": old })).await;
    assert_eq!(error_code(&expired), Some("BAD_USER_INPUT"), "{expired}");
    assert!(expired["errors"][0]["message"].as_str().is_some_and(|m| m.contains("90 days")), "{expired}");
    let page = app.client.get(format!("{}/preferences?token={old}", app.base_url)).send().await.expect("GET");
    assert_eq!(page.status(), 410);
    let unsubscribe_page =
        app.client.get(format!("{}/unsubscribe?token={old}", app.base_url)).send().await.expect("GET");
    assert_eq!(unsubscribe_page.status(), 200, "the unsubscribe page still asks");
    assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": old })).await, json!({ "data": { "unsubscribe": true } }));
}

#[tokio::test]
async fn links_of_emails_sent_before_signing_keep_working() {
    let app = TestApp::spawn().await;
    let reader = add_subscriber(&app, "reader@example.com", SubscriberStatus::Confirmed, &[]).await;
    let other = add_subscriber(&app, "other@example.com", SubscriberStatus::Confirmed, &[]).await;
    // Tokens as the service stored them before: a random token, its hash in a row.
    let stored = |subscriber_id: i32, days_ago: i64| {
        let token = jobs::tokens::new_token();
        let row = subscriber_token::ActiveModel {
            subscriber_id: Set(subscriber_id),
            purpose: Set(TokenPurpose::Manage),
            token_hash: Set(jobs::tokens::hash_token(&token)),
            expires_at: Set(None),
            created_at: Set(Utc::now() - TimeDelta::days(days_ago)),
            ..Default::default()
        };
        (token, row)
    };
    let (month_old, row) = stored(reader.id, 30);
    row.insert(&app.db).await.expect("row");
    let (year_old, row) = stored(other.id, 365);
    row.insert(&app.db).await.expect("row");
    assert!(app.gql(PREFERENCES, json!({ "t": month_old })).await["errors"].is_null());
    let expired = app.gql(PREFERENCES, json!({ "t": year_old })).await;
    assert_eq!(error_code(&expired), Some("BAD_USER_INPUT"), "{expired}");
    for old_token in [month_old, year_old] {
        assert_eq!(app.gql(UNSUBSCRIBE, json!({ "t": old_token })).await, json!({ "data": { "unsubscribe": true } }));
    }
}
