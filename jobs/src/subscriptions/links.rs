//! The personal links in emails. Tokens are URL-safe base64, so they go into URLs as they are.

use chrono::{DateTime, Utc};
use entity::TokenPurpose;
use sea_orm::{ConnectionTrait, DbErr};

use crate::tokens;

/// The unsubscribe and preferences links every email carries in its footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageLinks {
    /// `PUBLIC_URL/unsubscribe?token=…`: a page with a button; a bare POST unsubscribes at
    /// once (RFC 8058), so it is also the `List-Unsubscribe` target.
    pub unsubscribe_url: String,
    /// `PUBLIC_URL/preferences?token=…`: a page to change the roles followed.
    pub preferences_url: String,
}

/// Issues a fresh MANAGE token for `subscriber_id` and returns the links built on it.
///
/// Only token hashes are stored, so an earlier token cannot be looked up again: every call
/// adds one token row, and every link ever sent keeps working (MANAGE tokens do not expire).
/// `public_url` is the configured `PUBLIC_URL`, without a trailing slash.
pub async fn manage_links(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<ManageLinks, DbErr> {
    let mut links = manage_links_many(db, &[subscriber_id], public_url, now).await?;
    links.pop().ok_or_else(|| DbErr::Custom("no token issued".into()))
}

/// [`manage_links`] for many subscribers with one insert, in the same order.
pub async fn manage_links_many(
    db: &impl ConnectionTrait,
    subscriber_ids: &[i32],
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ManageLinks>, DbErr> {
    let tokens = tokens::issue_many(db, subscriber_ids, TokenPurpose::Manage, None, now).await?;
    Ok(tokens
        .iter()
        .map(|token| ManageLinks {
            unsubscribe_url: unsubscribe_url(public_url, token),
            preferences_url: preferences_url(public_url, token),
        })
        .collect())
}

/// `PUBLIC_URL/subscriptions/confirm?token=…`.
pub fn confirm_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/subscriptions/confirm?token={token}")
}

/// `PUBLIC_URL/unsubscribe?token=…`.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/unsubscribe?token={token}")
}

/// `PUBLIC_URL/preferences?token=…`.
pub fn preferences_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/preferences?token={token}")
}
