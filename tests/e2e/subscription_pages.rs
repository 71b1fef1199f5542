//! The newsletter's HTML pages, checked without a browser: status, title, viewport, no
//! script, and where each form posts. (`browser.rs` signs up in a real browser.)

use chrono::{TimeDelta, Utc};
use salarygraph_tests::TestApp;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::json;

use crate::subscriptions::{app_with_roles, emails_after_a_while, link, subscribe_and_receive, token, wait_for_emails};

/// Status and body of a GET.
async fn get(app: &TestApp, path_or_url: &str) -> (u16, String) {
    let url = if path_or_url.starts_with("http") { path_or_url.to_owned() } else { app.url(path_or_url) };
    let response = app.client.get(url).send().await.expect("GET");
    (response.status().as_u16(), response.text().await.expect("body"))
}

/// Status and body of a form POST.
async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(app.url(path)).form(form).send().await.expect("POST");
    (response.status().as_u16(), response.text().await.expect("body"))
}

trait Url {
    fn url(&self, path: &str) -> String;
}

impl Url for TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// What every page must be: a title, readable on a phone, no JavaScript.
fn assert_page(html: &str, title: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(&format!("<title>{title} · salarygraph</title>")), "title {title:?} in:\n{html}");
    assert!(html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    let lower = html.to_lowercase();
    // Nothing that `Content-Security-Policy: script-src 'self'; style-src 'self'` refuses.
    assert!(!lower.contains("<script") && !lower.contains("<style") && !lower.contains(" style="), "{html}");
}

/// The `action` of the page's POST form.
fn form_action(html: &str) -> String {
    let start = html.find(r#"<form method="post" action=""#).unwrap_or_else(|| panic!("no POST form in:\n{html}"));
    let rest = &html[start + r#"<form method="post" action=""#.len()..];
    rest[..rest.find('"').unwrap_or(0)].to_owned()
}

#[tokio::test]
async fn the_sign_up_page_posts_to_subscribe_and_signs_up() {
    let app = app_with_roles().await;
    let (status, html) = get(&app, "/subscribe?email=ann%40example.com").await;
    assert_eq!(status, 200);
    assert_page(&html, "Subscribe");
    assert_eq!(form_action(&html), "/subscribe");
    assert!(html.contains(r#"name="email" value="ann@example.com""#), "{html}");
    assert!(html.contains(r#"<input type="checkbox" name="roles" value="llm-engineer">"#), "{html}");

    let (status, html) = post_form(&app, "/subscribe", &[("email", "not-an-address"), ("roles", "llm-engineer")]).await;
    assert_eq!(status, 400);
    assert_page(&html, "Subscribe");
    assert!(html.contains("email must contain exactly one @"), "{html}");
    assert!(html.contains(r#"value="llm-engineer" checked>"#), "the choices are kept: {html}");
    let (status, html) = post_form(&app, "/subscribe", &[("email", "ann@example.com"), ("roles", "<ghost>")]).await;
    assert_eq!(status, 400);
    assert!(html.contains("unknown roles: &#60;ghost&#62;"), "escaped: {html}");
    assert!(emails_after_a_while(&app).await.is_empty());

    let form = [("email", "ann@example.com"), ("roles", "llm-engineer"), ("roles", "ai-architect")];
    let (status, html) = post_form(&app, "/subscribe", &form).await;
    assert_eq!(status, 200);
    assert_page(&html, "Check your inbox");
    let email = wait_for_emails(&app, 1).await.remove(0);
    let confirm = link(&app, &email, "/subscriptions/confirm?token=");
    let (status, html) = get(&app, &confirm).await;
    assert_eq!(status, 200);
    assert_page(&html, "Confirm your subscription");
    let path = &confirm[app.base_url.len()..];
    assert_eq!(form_action(&html), path, "the button posts to the link itself");
    assert!(html.contains("<strong>ann@example.com</strong>, about AI Architect, LLM Engineer?"), "{html}");
    let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert_eq!(stored[0].status, entity::SubscriberStatus::Pending, "GET changes nothing");
    let (status, html) = post_form(&app, path, &[]).await;
    assert_eq!(status, 200);
    assert_page(&html, "You are subscribed");
    let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert_eq!(stored[0].status, entity::SubscriberStatus::Confirmed);
    assert_eq!(*stored[0].roles, ["llm-engineer", "ai-architect"]);
    // Opening the link again says so, and pressing again is harmless.
    let (status, html) = get(&app, &confirm).await;
    assert_eq!(status, 200);
    assert_page(&html, "You are subscribed");
    assert_eq!(post_form(&app, path, &[]).await.0, 200);
}

#[tokio::test]
async fn expired_and_unknown_confirmation_links_say_so_and_offer_a_new_one() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(["ai-architect"]), 1).await;
    let confirm = link(&app, &email, "/subscriptions/confirm?token=");
    entity::subscriber_token::Entity::update_many()
        .col_expr(entity::subscriber_token::Column::ExpiresAt, Expr::value(Utc::now() - TimeDelta::hours(1)))
        .exec(&app.db)
        .await
        .expect("expire");
    let (status, html) = get(&app, &confirm).await;
    assert_eq!(status, 410);
    assert_page(&html, "Subscribe");
    assert!(html.contains("This confirmation link expired"), "{html}");
    assert_eq!(form_action(&html), "/subscribe");
    assert!(html.contains(r#"value="ann@example.com""#) && html.contains(r#"value="ai-architect" checked>"#));

    let (status, html) = post_form(&app, &confirm[app.base_url.len()..], &[]).await;
    assert_eq!(status, 410, "pressing the button of an expired page offers a new link too");
    assert!(html.contains("This confirmation link expired"), "{html}");
    for path in ["/subscriptions/confirm?token=made-up", "/subscriptions/confirm"] {
        let (status, html) = get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert_page(&html, "This link is not valid");
        assert!(html.contains(r#"<a href="/subscribe">"#), "{html}");
        assert_eq!(post_form(&app, path, &[]).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn the_unsubscribe_page_asks_and_its_button_unsubscribes() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(null), 1).await;
    let unsubscribe = link(&app, &email, "/unsubscribe?token=");
    let manage = token(&unsubscribe);
    let (status, html) = get(&app, &unsubscribe).await;
    assert_eq!(status, 200);
    assert_page(&html, "Unsubscribe");
    assert_eq!(form_action(&html), format!("/unsubscribe?token={manage}"));
    let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert_eq!(stored[0].status, entity::SubscriberStatus::Pending, "GET changes nothing");

    let (status, html) = post_form(&app, &format!("/unsubscribe?token={manage}"), &[("confirm", "yes")]).await;
    assert_eq!(status, 200);
    assert_page(&html, "You are unsubscribed");
    let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert_eq!(stored[0].status, entity::SubscriberStatus::Unsubscribed);

    let (status, html) = get(&app, "/unsubscribe?token=made-up").await;
    assert_eq!(status, 404);
    assert_page(&html, "This link is not valid");
}

#[tokio::test]
async fn the_preferences_page_shows_and_saves_the_roles_followed() {
    let app = app_with_roles().await;
    let email = subscribe_and_receive(&app, "ann@example.com", json!(["llm-engineer"]), 1).await;
    let preferences = link(&app, &email, "/preferences?token=");
    let manage = token(&preferences);
    let (status, html) = get(&app, &preferences).await;
    assert_eq!(status, 200);
    assert_page(&html, "Your preferences");
    assert_eq!(form_action(&html), format!("/preferences?token={manage}"));
    assert!(html.contains(r#"value="llm-engineer" checked>"#) && html.contains(r#"value="ai-architect">"#));

    let path = format!("/preferences?token={manage}");
    let (status, html) = post_form(&app, &path, &[("roles", "ai-architect")]).await;
    assert_eq!(status, 200);
    assert_page(&html, "Your preferences");
    assert!(html.contains("Saved") && html.contains(r#"value="ai-architect" checked>"#), "{html}");
    let (status, html) = post_form(&app, &path, &[("roles", "ghost")]).await;
    assert_eq!(status, 400);
    assert!(html.contains("unknown roles: ghost"), "{html}");
    let (status, _) = post_form(&app, &path, &[]).await;
    assert_eq!(status, 200);
    let stored = entity::subscriber::Entity::find().all(&app.db).await.expect("subscribers");
    assert!(stored[0].roles.is_empty(), "none checked: every role");

    let (status, html) = get(&app, "/preferences?token=made-up").await;
    assert_eq!(status, 404);
    assert_page(&html, "This link is not valid");
}
