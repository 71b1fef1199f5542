//! `GET`/`POST /subscribe` and `GET`/`POST /subscriptions/confirm`.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use entity::SubscriberStatus;
use jobs::subscriptions::{self, CONFIRMATION_TTL_HOURS, SUBSCRIBE_MESSAGE, SubscriptionError, confirm_url};

use super::{
    ConfirmPage, HttpState, MessagePage, SubscribePage, error_page, internal, over_limit, over_sign_up_limit, page,
    query_value, read_form, role_choices, token_of, values,
};

/// `GET /subscribe`: the sign-up form (`?email=` prefills the address). Not limited: it
/// only reads, as any query does; sending it is.
pub async fn form(State(state): State<HttpState>, request: Request) -> Response {
    let email = query_value(&request, "email").unwrap_or_default();
    sign_up_form(&state, StatusCode::OK, email, &[], None, None).await
}

/// `POST /subscribe` (form: `email`, `roles` repeated): signs up, or shows the form again
/// with what is wrong.
pub async fn submit(State(state): State<HttpState>, request: Request) -> Response {
    if let Some(limited) = over_sign_up_limit(&state, &request) {
        return limited;
    }
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let email = values(&form, "email").into_iter().next().unwrap_or_default();
    let roles = values(&form, "roles");
    let app = &state.app;
    let result = subscriptions::subscribe(&app.db, &app.sign_ups, &email, Some(roles.clone()), Utc::now()).await;
    match result {
        Ok(()) => page(
            StatusCode::OK,
            &MessagePage::new(
                "Check your inbox",
                &[SUBSCRIBE_MESSAGE, "The link in that email works for 48 hours."],
                None,
            ),
        ),
        Err(SubscriptionError::Invalid(reason)) => {
            sign_up_form(&state, StatusCode::BAD_REQUEST, email, &roles, None, Some(reason)).await
        }
        Err(other) => error_page(other),
    }
}

/// `GET /subscriptions/confirm?token=`: says what the link confirms and asks for the button
/// press; changes nothing (mail scanners open every link). An expired link offers a new one.
pub async fn confirm_page(State(state): State<HttpState>, request: Request) -> Response {
    if let Some(limited) = over_limit(&state, &request) {
        return limited;
    }
    let token = token_of(&request);
    match subscriptions::find_by_confirm_token(&state.app.db, &token, Utc::now()).await {
        Ok(subscriber) if subscriber.status == SubscriberStatus::Confirmed => subscribed(),
        Ok(subscriber) => {
            let roles = match role_choices(&state.app.db, &subscriber.roles).await {
                Ok(roles) => roles.into_iter().filter(|r| r.checked).map(|r| r.title).collect(),
                Err(e) => return internal(e),
            };
            page(StatusCode::OK, &ConfirmPage { email: subscriber.email, roles, action: confirm_url("", &token) })
        }
        Err(SubscriptionError::ExpiredToken(subscriber)) => expired(&state, *subscriber).await,
        Err(other) => error_page(other),
    }
}

/// `POST /subscriptions/confirm?token=`: the confirmation page's button; confirms.
pub async fn confirm(State(state): State<HttpState>, request: Request) -> Response {
    if let Some(limited) = over_limit(&state, &request) {
        return limited;
    }
    match subscriptions::confirm(&state.app.db, &token_of(&request), Utc::now()).await {
        Ok(_) => subscribed(),
        Err(SubscriptionError::ExpiredToken(subscriber)) => expired(&state, *subscriber).await,
        Err(other) => error_page(other),
    }
}

fn subscribed() -> Response {
    page(
        StatusCode::OK,
        &MessagePage::new(
            "You are subscribed",
            &[
                "Thank you: the weekly AI salary email will arrive every Monday.",
                "Every email ends with links to change the roles you follow or to unsubscribe.",
            ],
            Some(("/", "See the market this week")),
        ),
    )
}

/// The sign-up form again, filled in, for a link past its 48 hours.
async fn expired(state: &HttpState, subscriber: entity::subscriber::Model) -> Response {
    let notice = format!(
        "This confirmation link expired: links work for {CONFIRMATION_TTL_HOURS} hours. Ask for a new one below."
    );
    sign_up_form(state, StatusCode::GONE, subscriber.email, &subscriber.roles, Some(notice), None).await
}

async fn sign_up_form(
    state: &HttpState,
    status: StatusCode,
    email: String,
    checked: &[String],
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let roles = match role_choices(&state.app.db, checked).await {
        Ok(roles) => roles,
        Err(e) => return internal(e),
    };
    let submit_label = if notice.is_some() { "Send me a new link" } else { "Subscribe" };
    page(status, &SubscribePage { notice, error, email, roles, submit_label })
}
