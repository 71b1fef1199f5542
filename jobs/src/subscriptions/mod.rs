//! The subscriber side of the newsletter (docs/newsletter.md): double opt-in sign-up,
//! confirmation, preferences and unsubscribing. The API's mutations and the HTTP pages
//! both call these functions, so the rules live in one place.

mod address;
mod emails;
mod links;
pub mod list;
mod recorder;

use chrono::{DateTime, TimeDelta, Utc};
use entity::subscriber::FollowedRoles;
use entity::{SubscriberStatus, TokenPurpose, role, subscriber, subscriber_token};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};

pub use address::{MAX_EMAIL_LEN, SubscriberEmail};
pub use emails::confirmation_email;
pub use links::{ManageLinks, confirm_url, manage_links_many, preferences_url, unsubscribe_url};
pub use recorder::{MAX_SIGN_UPS_QUEUED, SignUps};

use crate::roles::{RoleError, resolve_slugs};
pub use crate::signed_links::PREFERENCES_TTL_DAYS;
use crate::tokens::{self, TokenLookup};

/// How long a confirmation link works.
pub const CONFIRMATION_TTL_HOURS: i64 = 48;
/// Least time between two confirmation emails to one address.
pub const RESEND_INTERVAL_MINUTES: i64 = 10;
/// Most roles one subscriber may follow by name.
pub const MAX_ROLES: usize = 100;
/// What a sign-up answers, whatever the address's state, so that no address can be probed.
pub const SUBSCRIBE_MESSAGE: &str = "Check your inbox to confirm your subscription.";

/// Why a subscriber operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The address or the roles are malformed; the message says what is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The token is not one we issued for this purpose (mistyped, made up, or revoked).
    #[error("this link is not valid: check that it was copied whole from the email")]
    InvalidToken,
    /// The token was ours but has expired; carries the subscriber so that a page can offer
    /// a new link without asking for the address again.
    #[error("this link expired after {CONFIRMATION_TTL_HOURS} hours: subscribe again to get a new one")]
    ExpiredToken(Box<subscriber::Model>),
    /// An email's preferences link older than its term (its unsubscribe link still works);
    /// carries the subscriber.
    #[error(
        "this link expired: preferences links work for {PREFERENCES_TTL_DAYS} days after their email; \
         use the link in a more recent email"
    )]
    ExpiredLink(Box<subscriber::Model>),
    /// Too many sign-ups are being recorded at once: try again shortly.
    #[error("too many sign-ups at once: try again in a moment")]
    Busy,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<RoleError> for SubscriptionError {
    fn from(error: RoleError) -> Self {
        match error {
            RoleError::Db(e) => Self::Db(e),
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// How long a sign-up waits for room in the queue when it is full: a burst slows its answers
/// down a little instead of failing them.
pub const SIGN_UP_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Signs an address up (double opt-in) for `roles` (`None` or empty: every role).
///
/// Answers as soon as the input is checked (the address's form, the roles named), before
/// anything about the address is read, so that the answer and its timing are the same
/// whatever the address's state. The sign-up is then recorded by `sign_ups`, with others
/// waiting at the same time: a new, pending, unsubscribed or bounced address becomes PENDING
/// with these roles and is sent a confirmation email, at most one per
/// [`RESEND_INTERVAL_MINUTES`]; a CONFIRMED one is left alone. Failures from then on are
/// logged; a failed send frees the address to ask again at once.
pub async fn subscribe(
    db: &impl ConnectionTrait,
    sign_ups: &SignUps,
    email: &str,
    roles: Option<Vec<String>>,
    now: DateTime<Utc>,
) -> Result<(), SubscriptionError> {
    let email = SubscriberEmail::parse(email).map_err(SubscriptionError::Invalid)?;
    let roles = checked_roles(db, roles.unwrap_or_default()).await?;
    let mut titles: Vec<String> = roles.iter().map(|r| r.title.clone()).collect();
    titles.sort();
    let roles = roles.into_iter().map(|r| r.slug).collect();
    sign_ups.enqueue(recorder::SignUp { email, roles, titles, now }).await
}

/// Confirms the subscription a confirmation token was sent for; returns the subscriber.
///
/// Opening the link twice is harmless, and an expired link of an address confirmed since
/// (by a newer link) still answers the confirmed subscriber.
pub async fn confirm(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<subscriber::Model, SubscriptionError> {
    match tokens::find(db, token, TokenPurpose::Confirm, now).await? {
        TokenLookup::Valid(subscriber) if subscriber.status == SubscriberStatus::Confirmed => Ok(subscriber),
        TokenLookup::Valid(subscriber) => {
            let mut model: subscriber::ActiveModel = subscriber.into();
            model.status = Set(SubscriberStatus::Confirmed);
            model.confirmed_at = Set(Some(now));
            // A confirmed link proves the mailbox takes mail again.
            model.permanent_failures = Set(0);
            model.updated_at = Set(now);
            Ok(model.update(db).await?)
        }
        TokenLookup::Expired(subscriber) if subscriber.status == SubscriberStatus::Confirmed => Ok(subscriber),
        TokenLookup::Expired(subscriber) => Err(SubscriptionError::ExpiredToken(Box::new(subscriber))),
        TokenLookup::Unknown => Err(SubscriptionError::InvalidToken),
    }
}

/// The subscriber a confirmation token was sent for, without confirming it: the page a
/// confirmation link opens shows this, and only its button confirms (mail scanners open
/// every link in an email). The same answers as [`confirm`] would give, nothing written.
pub async fn find_by_confirm_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<subscriber::Model, SubscriptionError> {
    match tokens::find(db, token, TokenPurpose::Confirm, now).await? {
        TokenLookup::Valid(subscriber) => Ok(subscriber),
        TokenLookup::Expired(subscriber) if subscriber.status == SubscriberStatus::Confirmed => Ok(subscriber),
        TokenLookup::Expired(subscriber) => Err(SubscriptionError::ExpiredToken(Box::new(subscriber))),
        TokenLookup::Unknown => Err(SubscriptionError::InvalidToken),
    }
}

/// Unsubscribes the holder of a manage token (the link in every email); returns the subscriber.
///
/// Always honoured, even for a token past an expiry: an unsubscribe link must keep working.
/// Pending confirmation links are revoked so that an old one cannot sign the address up again.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<subscriber::Model, SubscriptionError> {
    let subscriber = match tokens::find(db, token, TokenPurpose::Manage, now).await? {
        TokenLookup::Valid(s) | TokenLookup::Expired(s) => s,
        TokenLookup::Unknown => return Err(SubscriptionError::InvalidToken),
    };
    subscriber_token::Entity::delete_many()
        .filter(subscriber_token::Column::SubscriberId.eq(subscriber.id))
        .filter(subscriber_token::Column::Purpose.eq(TokenPurpose::Confirm))
        .exec(db)
        .await?;
    if subscriber.status == SubscriberStatus::Unsubscribed {
        return Ok(subscriber);
    }
    let mut model: subscriber::ActiveModel = subscriber.into();
    model.status = Set(SubscriberStatus::Unsubscribed);
    model.unsubscribed_at = Set(Some(now));
    model.updated_at = Set(now);
    Ok(model.update(db).await?)
}

/// Changes the roles the holder of a manage token follows (empty: every role).
pub async fn update_preferences(
    db: &impl ConnectionTrait,
    token: &str,
    roles: Vec<String>,
    now: DateTime<Utc>,
) -> Result<subscriber::Model, SubscriptionError> {
    let subscriber = match tokens::find(db, token, TokenPurpose::Manage, now).await? {
        TokenLookup::Valid(s) => s,
        TokenLookup::Expired(s) => return Err(SubscriptionError::ExpiredLink(Box::new(s))),
        TokenLookup::Unknown => return Err(SubscriptionError::InvalidToken),
    };
    let roles = normalise_roles(db, roles).await?;
    let mut model: subscriber::ActiveModel = subscriber.into();
    model.roles = Set(roles.into());
    model.updated_at = Set(now);
    Ok(model.update(db).await?)
}

/// The subscriber a manage token acts for, to show the preferences page; a link past the
/// preferences term is [`SubscriptionError::ExpiredLink`] (its unsubscribe link still works).
pub async fn find_by_manage_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<subscriber::Model, SubscriptionError> {
    match tokens::find(db, token, TokenPurpose::Manage, now).await? {
        TokenLookup::Valid(s) => Ok(s),
        TokenLookup::Expired(s) => Err(SubscriptionError::ExpiredLink(Box::new(s))),
        TokenLookup::Unknown => Err(SubscriptionError::InvalidToken),
    }
}

/// Checks role slugs: trimmed, each once, every one known (the error names all unknown ones).
pub async fn normalise_roles(db: &impl ConnectionTrait, roles: Vec<String>) -> Result<Vec<String>, SubscriptionError> {
    Ok(checked_roles(db, roles).await?.into_iter().map(|r| r.slug).collect())
}

/// The roles of these slugs, checked as [`normalise_roles`] says, in the order asked.
async fn checked_roles(db: &impl ConnectionTrait, roles: Vec<String>) -> Result<Vec<role::Model>, SubscriptionError> {
    if roles.len() > MAX_ROLES {
        return Err(SubscriptionError::Invalid(format!("at most {MAX_ROLES} roles, got {}", roles.len())));
    }
    let mut slugs: Vec<String> = Vec::with_capacity(roles.len());
    for slug in roles.into_iter().map(|s| s.trim().to_owned()) {
        if slug.is_empty() {
            return Err(SubscriptionError::Invalid("roles must not contain an empty slug".into()));
        }
        if !slugs.contains(&slug) {
            slugs.push(slug);
        }
    }
    let mut found = resolve_slugs(db, &slugs).await?;
    found.sort_by_key(|r| slugs.iter().position(|s| *s == r.slug));
    Ok(found)
}

/// Records a sign-up; returns the subscriber and its previous `confirmation_sent_at` when
/// this request won the right to send a confirmation.
async fn record_sign_up(
    db: &impl ConnectionTrait,
    email: &SubscriberEmail,
    roles: &[String],
    now: DateTime<Utc>,
) -> Result<Option<(subscriber::Model, Option<DateTime<Utc>>)>, SubscriptionError> {
    let subscriber = match find_by_email(db, email).await? {
        Some(existing) => existing,
        None => match insert_pending(db, email, roles, now).await {
            // A new address: PENDING with these roles, its confirmation due now and claimed
            // by this request (the row says so from its first write).
            Ok(created) => return Ok(Some((created, None))),
            // Another request signed the same address up in between: carry on with its row.
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => find_by_email(db, email)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("subscriber {email} vanished after a conflict")))?,
            Err(e) => return Err(e.into()),
        },
    };
    if subscriber.status == SubscriberStatus::Confirmed {
        return Ok(None);
    }
    // Conditional updates, not read-then-write: a confirmation landing in between must not be
    // undone, and of two concurrent sign-ups only one may send.
    subscriber::Entity::update_many()
        .col_expr(subscriber::Column::Status, Expr::value(SubscriberStatus::Pending))
        .col_expr(subscriber::Column::Roles, Expr::value(FollowedRoles::from(roles.to_vec())))
        .col_expr(subscriber::Column::UpdatedAt, Expr::value(now))
        .filter(subscriber::Column::Id.eq(subscriber.id))
        .filter(subscriber::Column::Status.ne(SubscriberStatus::Confirmed))
        .exec(db)
        .await?;
    let cutoff = now - TimeDelta::minutes(RESEND_INTERVAL_MINUTES);
    let claimed = subscriber::Entity::update_many()
        .col_expr(subscriber::Column::ConfirmationSentAt, Expr::value(now))
        .filter(subscriber::Column::Id.eq(subscriber.id))
        .filter(subscriber::Column::Status.eq(SubscriberStatus::Pending))
        .filter(
            Condition::any()
                .add(subscriber::Column::ConfirmationSentAt.is_null())
                .add(subscriber::Column::ConfirmationSentAt.lte(cutoff)),
        )
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    let previous = subscriber.confirmation_sent_at;
    let Some(current) = subscriber::Entity::find_by_id(subscriber.id).one(db).await? else { return Ok(None) };
    Ok(Some((current, previous)))
}

/// The subscriber of an address, whatever its letter case (the unique index is on
/// `lower(email)`, and this lookup uses it).
async fn find_by_email(db: &impl ConnectionTrait, email: &SubscriberEmail) -> Result<Option<subscriber::Model>, DbErr> {
    subscriber::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col((subscriber::Entity, subscriber::Column::Email)))).eq(email.identity()),
        )
        .one(db)
        .await
}

/// A new PENDING subscriber whose confirmation is sent now (its `confirmation_sent_at`).
async fn insert_pending(
    db: &impl ConnectionTrait,
    email: &SubscriberEmail,
    roles: &[String],
    now: DateTime<Utc>,
) -> Result<subscriber::Model, DbErr> {
    pending_row(email, roles, now).insert(db).await
}

/// The row of a new PENDING subscriber whose confirmation is sent now: the row claims the
/// confirmation from its first write.
fn pending_row(email: &SubscriberEmail, roles: &[String], now: DateTime<Utc>) -> subscriber::ActiveModel {
    subscriber::ActiveModel {
        email: Set(email.as_str().to_owned()),
        status: Set(SubscriberStatus::Pending),
        roles: Set(roles.to_vec().into()),
        confirmation_sent_at: Set(Some(now)),
        confirmed_at: Set(None),
        unsubscribed_at: Set(None),
        permanent_failures: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}
