//! The personal links in emails. Tokens are URL-safe base64, so they go into URLs as they are.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::signed_links;

/// The unsubscribe and preferences links every email carries in its footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageLinks {
    /// `PUBLIC_URL/unsubscribe?token=…`: a page with a button; a bare POST unsubscribes at
    /// once (RFC 8058), so it is also the `List-Unsubscribe` target.
    pub unsubscribe_url: String,
    /// `PUBLIC_URL/preferences?token=…`: a page to change the roles followed.
    pub preferences_url: String,
}

/// The links of the emails to `subscriber_ids` made at `now`, in the same order, on signed
/// tokens (see `signed_links`): nothing is stored per email, and one query reads the signing
/// key. The unsubscribe link works for ever, the preferences link for
/// `PREFERENCES_TTL_DAYS`. `public_url` is the configured `PUBLIC_URL`, without a trailing
/// slash.
pub async fn manage_links_many(
    db: &impl ConnectionTrait,
    subscriber_ids: &[i32],
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ManageLinks>, DbErr> {
    if subscriber_ids.is_empty() {
        return Ok(Vec::new());
    }
    let key = signed_links::signing_key(db, now).await?;
    Ok(subscriber_ids
        .iter()
        .map(|id| {
            let token = signed_links::sign(&key, *id, now);
            ManageLinks {
                unsubscribe_url: unsubscribe_url(public_url, &token),
                preferences_url: preferences_url(public_url, &token),
            }
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
