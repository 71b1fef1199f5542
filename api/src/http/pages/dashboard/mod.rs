//! The dashboard: `/` (the market), `/roles/{slug}` and `/compare/{a}-vs-{b}`, rendered by
//! the server from the published documents (`documents`), cacheable, readable without
//! JavaScript, with every chart drawn inline (`super::chart`).

mod compare;
pub mod documents;
mod market;
mod role;
mod view;

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{Value as Json, json};

use self::documents::{Document, PageError};
use self::view::{RoleRef, RolesData};
use super::{HttpState, MessagePage, query_pairs};
use crate::http::caching;

/// The dashboard's routes.
pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/", get(market::page))
        .route("/roles/{slug}", get(role::page))
        .route("/compare", get(compare::pick))
        .route("/compare/{pair}", get(compare::page))
        .route("/queries/{file}", get(documents::serve))
        .fallback(unknown_address)
}

/// Any address no route knows: the 404 page, with the roles to go to instead.
async fn unknown_address(State(state): State<HttpState>, request: Request) -> Response {
    let message = format!("There is no page at {}.", request.uri().path());
    not_found(&state, request.headers(), message).await
}

/// "The query behind this page": a published document and the variables the page used.
pub struct QueryLink {
    /// Where the document is published.
    pub href: String,
    /// Its file name.
    pub file: &'static str,
    /// The variables, as JSON.
    pub variables: String,
    /// `GET /graphql` answering it, as JSON.
    pub answer: String,
}

impl QueryLink {
    fn new(document: &Document, variables: &Json) -> Self {
        Self {
            href: document.href(),
            file: document.file,
            variables: variables.to_string(),
            answer: document.answer_href(variables),
        }
    }
}

/// The week a page shows, and links to its neighbours.
pub struct WeekNav {
    /// `23 November 2026`.
    pub label: String,
    /// The week's Monday, `2026-11-23` (empty when unknown).
    pub value: String,
    /// The page's path, where the week form goes.
    pub action: String,
    /// The previous week with figures, if any.
    pub previous: Option<String>,
    /// The page without `?week`, when a week was asked for.
    pub latest: Option<String>,
}

impl WeekNav {
    fn new(path: &str, shown: Option<NaiveDate>, asked: Option<NaiveDate>, previous: Option<NaiveDate>) -> Self {
        Self {
            label: shown.map_or_else(|| "no data yet".to_owned(), long_date),
            value: shown.map(|d| d.to_string()).unwrap_or_default(),
            action: path.to_owned(),
            previous: previous.map(|w| format!("{path}?week={w}")),
            latest: asked.map(|_| path.to_owned()),
        }
    }
}

/// The sign-up box: an address and the roles it follows (none checked: every role).
pub struct SignUpBox {
    /// Roles offered, checked.
    pub roles: Vec<RoleRef>,
}

/// `23 November 2026`.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The `?week=` of a page: none, a Monday, or (for any other date) a redirect to the page of
/// the Monday of that date's week; a malformed value is a 400 page naming it.
fn week_param(request: &Request) -> Result<Option<NaiveDate>, Box<Response>> {
    let pairs = query_pairs(request);
    let Some(text) = pairs.iter().find(|(k, _)| k == "week").map(|(_, v)| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
        return Err(Box::new(bad_request(&format!(
            "week: \"{text}\" is not a date: expected YYYY-MM-DD, a week's Monday."
        ))));
    };
    if date.weekday() == Weekday::Mon {
        return Ok(Some(date));
    }
    let monday = jobs::Week::containing(date).monday();
    let query: Vec<(String, String)> =
        pairs.into_iter().map(|(k, v)| if k == "week" { (k, monday.to_string()) } else { (k, v) }).collect();
    let location = format!("{}?{}", request.uri().path(), serde_urlencoded::to_string(query).unwrap_or_default());
    Err(Box::new(redirect(StatusCode::FOUND, &location)))
}

/// A redirect to `location` (a path of this site).
fn redirect(status: StatusCode, location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (status, [(header::LOCATION, value), (header::CACHE_CONTROL, HeaderValue::from_static(caching::PAGE))])
        .into_response()
}

/// A rendered page: cacheable (with its `ETag`) when it is a 200 or a 404.
fn html(request: &HeaderMap, status: StatusCode, template: &impl Template) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "page template failed to render");
            return failure(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let cache = if status == StatusCode::OK || status == StatusCode::NOT_FOUND { caching::PAGE } else { "no-store" };
    caching::respond(request, status, "text/html; charset=utf-8", cache, &caching::etag(body.as_bytes()), body)
}

fn bad_request(message: &str) -> Response {
    self::message(StatusCode::BAD_REQUEST, "This page cannot be shown", message)
}

/// A short page that says what is wrong and links to the market.
fn message(status: StatusCode, title: &'static str, message: &str) -> Response {
    let page = MessagePage::new(title, &[message], Some(("/", "See the market this week")));
    super::page(status, &page)
}

fn failure(status: StatusCode) -> Response {
    let text = if status == StatusCode::SERVICE_UNAVAILABLE {
        "The database is out of reach for a moment. Please try again in a few seconds."
    } else {
        "Something went wrong on our side. Please try again in a few minutes."
    };
    let mut response = super::page(status, &MessagePage::new("Something went wrong", &[text], None));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Template)]
#[template(path = "pages/not_found.html")]
struct NotFoundPage {
    message: String,
    roles: Vec<RoleRef>,
}

/// The 404 page: what was not found, and every role to go to instead.
async fn not_found(state: &HttpState, request: &HeaderMap, message: String) -> Response {
    match documents::run::<RolesData>(state, &documents::ROLES, json!({})).await {
        Ok(data) => html(request, StatusCode::NOT_FOUND, &NotFoundPage { message, roles: data.roles.nodes }),
        Err(error) => error_page(state, request, error).await,
    }
}

/// The page for a document that gave no data.
async fn error_page(state: &HttpState, request: &HeaderMap, error: PageError) -> Response {
    match error {
        PageError::BadInput(message) => bad_request(&message),
        PageError::NotFound(message) => Box::pin(not_found(state, request, message)).await,
        PageError::Unavailable => failure(StatusCode::SERVICE_UNAVAILABLE),
        PageError::Internal => failure(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[derive(Template)]
#[template(path = "pages/empty.html")]
struct EmptyPage {
    has_roles: bool,
}
