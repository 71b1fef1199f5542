//! `/unsubscribe` (a page with a button, and RFC 8058 one-click) and `/preferences`.
//! Unsubscribing is never rate limited: mail providers call it, and leaving must always work.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use entity::subscriber;
use jobs::subscriptions::{self, SubscriptionError, preferences_url, unsubscribe_url};

use super::{
    HttpState, MessagePage, PreferencesPage, UnsubscribePage, error_page, internal, over_limit, page, read_body,
    read_form, role_choices, token_of, values,
};

/// `GET /unsubscribe?token=`: asks first, since mail scanners open every link they see.
pub async fn unsubscribe_page(State(state): State<HttpState>, request: Request) -> Response {
    let token = token_of(&request);
    let subscriber = match subscriptions::find_by_manage_token(&state.app.db, &token, Utc::now()).await {
        Ok(subscriber) => subscriber,
        // An unsubscribe link keeps working whatever happened to its token.
        Err(SubscriptionError::ExpiredLink(subscriber)) => *subscriber,
        Err(other) => return error_page(other),
    };
    let form = UnsubscribePage {
        email: subscriber.email,
        action: unsubscribe_url("", &token),
        preferences: preferences_url("", &token),
    };
    page(StatusCode::OK, &form)
}

/// `POST /unsubscribe?token=`: the page's button, or a mail provider's one-click request
/// (body `List-Unsubscribe=One-Click`, form-encoded or multipart), which gets a bare 200.
pub async fn unsubscribe(State(state): State<HttpState>, request: Request) -> Response {
    let token = token_of(&request);
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let one_click = contains(&body, b"List-Unsubscribe") && contains(&body, b"One-Click");
    let result = subscriptions::unsubscribe(&state.app.db, &token, Utc::now()).await;
    match (result, one_click) {
        (Ok(_), true) => plain(StatusCode::OK, "Unsubscribed."),
        (Ok(_), false) => page(
            StatusCode::OK,
            &MessagePage::new(
                "You are unsubscribed",
                &["This address will get no more weekly emails from salarygraph."],
                Some(("/subscribe", "Changed your mind? Subscribe again")),
            ),
        ),
        (Err(SubscriptionError::InvalidToken), true) => plain(StatusCode::NOT_FOUND, "Unknown unsubscribe link."),
        (Err(SubscriptionError::Db(e)), true) => {
            tracing::error!(error = %e, "one-click unsubscribe failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal error: please try again.")
        }
        (Err(other), _) => error_page(other),
    }
}

/// `GET /preferences?token=`: the roles followed, as checkboxes.
pub async fn preferences_page(State(state): State<HttpState>, request: Request) -> Response {
    if let Some(limited) = over_limit(&state, &request) {
        return limited;
    }
    let token = token_of(&request);
    match subscriptions::find_by_manage_token(&state.app.db, &token, Utc::now()).await {
        Ok(subscriber) => preferences_form(&state, StatusCode::OK, &token, subscriber, None, None).await,
        Err(other) => error_page(other),
    }
}

/// `POST /preferences?token=` (form: `roles` repeated, none: every role): saves them.
pub async fn save_preferences(State(state): State<HttpState>, request: Request) -> Response {
    if let Some(limited) = over_limit(&state, &request) {
        return limited;
    }
    let token = token_of(&request);
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let db = &state.app.db;
    match subscriptions::update_preferences(db, &token, values(&form, "roles"), Utc::now()).await {
        Ok(saved) => {
            let notice = Some("Saved: your next weekly email follows these roles.".to_owned());
            preferences_form(&state, StatusCode::OK, &token, saved, notice, None).await
        }
        Err(SubscriptionError::Invalid(reason)) => match subscriptions::find_by_manage_token(db, &token, Utc::now())
            .await
        {
            Ok(current) => preferences_form(&state, StatusCode::BAD_REQUEST, &token, current, None, Some(reason)).await,
            Err(other) => error_page(other),
        },
        Err(other) => error_page(other),
    }
}

async fn preferences_form(
    state: &HttpState,
    status: StatusCode,
    token: &str,
    subscriber: subscriber::Model,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let roles = match role_choices(&state.app.db, &subscriber.roles).await {
        Ok(roles) => roles,
        Err(e) => return internal(e),
    };
    let form = PreferencesPage {
        notice,
        error,
        email: subscriber.email,
        action: preferences_url("", token),
        unsubscribe: unsubscribe_url("", token),
        roles,
    };
    page(status, &form)
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
