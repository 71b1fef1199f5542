//! The server-rendered pages (templates in `api/templates/pages/`): the dashboard and the
//! newsletter's sign-up pages. Readable on a phone, plain HTML forms, no JavaScript.

pub mod chart;
pub mod dashboard;
mod manage;
mod signup;

pub use chart::escape;

use std::net::{IpAddr, Ipv4Addr};

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jobs::subscriptions::SubscriptionError;
use sea_orm::{DatabaseConnection, DbErr};

use super::HttpState;
use crate::client::ClientIp;

/// Largest form body the pages read.
const MAX_FORM_BYTES: usize = 64 * 1024;
/// Most roles a form lists.
const MAX_LISTED_ROLES: u64 = 500;

/// The page routes: the dashboard's, `/subscribe`, `/subscriptions/confirm`, `/unsubscribe`,
/// `/preferences`.
pub fn routes() -> Router<HttpState> {
    Router::new()
        .merge(dashboard::routes())
        .route("/subscribe", get(signup::form).post(signup::submit))
        .route("/subscriptions/confirm", get(signup::confirm_page).post(signup::confirm))
        .route("/unsubscribe", get(manage::unsubscribe_page).post(manage::unsubscribe))
        .route("/preferences", get(manage::preferences_page).post(manage::save_preferences))
}

/// A role as a checkbox.
struct RoleChoice {
    slug: String,
    title: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "pages/subscribe.html")]
struct SubscribePage {
    notice: Option<String>,
    error: Option<String>,
    email: String,
    roles: Vec<RoleChoice>,
    submit_label: &'static str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage {
    title: &'static str,
    paragraphs: Vec<String>,
    link: Option<(String, &'static str)>,
}

impl MessagePage {
    fn new(title: &'static str, paragraphs: &[&str], link: Option<(&str, &'static str)>) -> Self {
        Self {
            title,
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            link: link.map(|(href, label)| (href.to_owned(), label)),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage {
    email: String,
    /// Titles of the roles followed; empty: every role.
    roles: Vec<String>,
    action: String,
}

#[derive(Template)]
#[template(path = "pages/unsubscribe.html")]
struct UnsubscribePage {
    email: String,
    action: String,
    preferences: String,
}

#[derive(Template)]
#[template(path = "pages/preferences.html")]
struct PreferencesPage {
    notice: Option<String>,
    error: Option<String>,
    email: String,
    action: String,
    unsubscribe: String,
    roles: Vec<RoleChoice>,
}

/// Renders a template with a status; a template that fails to render is a 500.
fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The 429 page once the client has used its allowance for email links (confirming,
/// preferences), `None` while it has not.
fn over_limit(state: &HttpState, request: &Request) -> Option<Response> {
    over(&state.app.rate_limits.links, request)
}

/// [`over_limit`] for signing up.
fn over_sign_up_limit(state: &HttpState, request: &Request) -> Option<Response> {
    over(&state.app.rate_limits.sign_up, request)
}

fn over(limiter: &crate::rate_limit::RateLimiter, request: &Request) -> Option<Response> {
    let ip = request.extensions().get::<ClientIp>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0);
    if limiter.allow(ip) {
        return None;
    }
    let message = MessagePage::new(
        "Too many requests",
        &["Too many requests came from your address in the last minute. Please try again in a minute."],
        None,
    );
    Some(page(StatusCode::TOO_MANY_REQUESTS, &message))
}

/// The `token` query parameter (empty when missing).
fn token_of(request: &Request) -> String {
    query_value(request, "token").unwrap_or_default()
}

/// A query parameter's first value.
fn query_value(request: &Request, name: &str) -> Option<String> {
    query_pairs(request).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Every query parameter, in order (none when the query string cannot be read).
fn query_pairs(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_str(request.uri().query().unwrap_or("")).unwrap_or_default()
}

/// Reads a small body.
async fn read_body(request: Request) -> Result<axum::body::Bytes, Response> {
    axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES).await.map_err(|_| {
        let message = MessagePage::new("Form too large", &["The form sent more than 64 KiB."], None);
        page(StatusCode::PAYLOAD_TOO_LARGE, &message)
    })
}

/// Reads a form body as its key/value pairs (keys may repeat, as checkboxes do).
async fn read_form(request: Request) -> Result<Vec<(String, String)>, Response> {
    let bytes = read_body(request).await?;
    serde_urlencoded::from_bytes(&bytes).map_err(|_| {
        page(StatusCode::BAD_REQUEST, &MessagePage::new("Bad form", &["The form could not be read."], None))
    })
}

/// Every value of a form field.
fn values(form: &[(String, String)], name: &str) -> Vec<String> {
    form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

/// Every role as a checkbox, checked when in `checked`.
async fn role_choices(db: &DatabaseConnection, checked: &[String]) -> Result<Vec<RoleChoice>, DbErr> {
    let roles = jobs::roles::by_title(db, MAX_LISTED_ROLES).await?;
    Ok(roles
        .into_iter()
        .map(|r| RoleChoice { checked: checked.contains(&r.slug), slug: r.slug, title: r.title })
        .collect())
}

/// The page for a refused token or a failure; expired tokens are the caller's to handle.
fn error_page(error: SubscriptionError) -> Response {
    match error {
        SubscriptionError::InvalidToken | SubscriptionError::ExpiredToken(_) | SubscriptionError::ExpiredLink(_) => {
            let message = MessagePage::new(
                "This link is not valid",
                &[
                    "It may be incomplete or mistyped: open it again from the email, copying the whole link.",
                    &error.to_string(),
                ],
                Some(("/subscribe", "Sign up for the weekly email")),
            );
            let status = if matches!(error, SubscriptionError::ExpiredToken(_) | SubscriptionError::ExpiredLink(_)) {
                StatusCode::GONE
            } else {
                StatusCode::NOT_FOUND
            };
            page(status, &message)
        }
        SubscriptionError::Invalid(reason) => {
            page(StatusCode::BAD_REQUEST, &MessagePage::new("Not accepted", &[&reason], None))
        }
        SubscriptionError::Busy => {
            let message = MessagePage::new("Busy", &["Too many sign-ups at once: please try again in a moment."], None);
            page(StatusCode::SERVICE_UNAVAILABLE, &message)
        }
        SubscriptionError::Db(error) => internal(error),
    }
}

/// A failure on our side: logged once, a generic page for the client.
fn internal(error: DbErr) -> Response {
    // 503 when the database is out of reach, so load balancers and people retry.
    let status = if crate::error::database_unavailable(&error) {
        tracing::warn!(%error, "page failed: database unavailable");
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        tracing::error!(%error, "page failed");
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let message = MessagePage::new(
        "Something went wrong",
        &["Something went wrong on our side. Please try again in a few minutes."],
        None,
    );
    page(status, &message)
}
