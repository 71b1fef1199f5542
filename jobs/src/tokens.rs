//! Subscriber tokens: 256 random bits in the link, only their SHA-256 in the database.
//! Confirmation links use them; the manage links of emails are signed instead (see
//! `signed_links`), and the rows of manage tokens that emails carried before keep working.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use entity::{TokenPurpose, subscriber, subscriber_token};
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::signed_links;

/// A new random token for a link (43 URL-safe characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for a subscriber and returns it; only its hash is stored.
pub async fn issue(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    purpose: TokenPurpose,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let mut tokens = issue_many(db, &[subscriber_id], purpose, expires_at, now).await?;
    tokens.pop().ok_or_else(|| DbErr::Custom("no token issued".into()))
}

/// Creates one token for each subscriber in one statement; returns them in the same order.
pub async fn issue_many(
    db: &impl ConnectionTrait,
    subscriber_ids: &[i32],
    purpose: TokenPurpose,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    if subscriber_ids.is_empty() {
        return Ok(Vec::new());
    }
    let tokens: Vec<String> = subscriber_ids.iter().map(|_| new_token()).collect();
    subscriber_token::Entity::insert_many(subscriber_ids.iter().zip(&tokens).map(|(id, token)| {
        subscriber_token::ActiveModel {
            subscriber_id: Set(*id),
            purpose: Set(purpose),
            token_hash: Set(hash_token(token)),
            expires_at: Set(expires_at),
            created_at: Set(now),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(tokens)
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenLookup {
    /// Valid: the subscriber it acts for.
    Valid(subscriber::Model),
    /// Known but past its expiry: the subscriber, to offer a new link. A manage token past
    /// the preferences term still unsubscribes.
    Expired(subscriber::Model),
    /// Not a token we issued for this purpose.
    Unknown,
}

/// Looks a token up: a signed manage link by its signature, any other by its hash.
pub async fn find(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<TokenLookup, DbErr> {
    // Tokens we issue are 39 or 43 characters: anything far off is not worth a query.
    if token.is_empty() || token.len() > 128 {
        return Ok(TokenLookup::Unknown);
    }
    if purpose == TokenPurpose::Manage && signed_links::decode(token).is_some() {
        let Some(claims) = signed_links::verify(db, token, now).await? else { return Ok(TokenLookup::Unknown) };
        let Some(subscriber) = subscriber::Entity::find_by_id(claims.subscriber_id).one(db).await? else {
            return Ok(TokenLookup::Unknown);
        };
        return Ok(if claims.allows_preferences(now) {
            TokenLookup::Valid(subscriber)
        } else {
            TokenLookup::Expired(subscriber)
        });
    }
    let found = subscriber_token::Entity::find()
        .filter(subscriber_token::Column::TokenHash.eq(hash_token(token)))
        .filter(subscriber_token::Column::Purpose.eq(purpose))
        .find_also_related(subscriber::Entity)
        .one(db)
        .await?;
    let Some((found, Some(subscriber))) = found else { return Ok(TokenLookup::Unknown) };
    // Stored manage tokens have no expiry of their own: their preferences term runs from
    // the email that carried them, as a signed link's does.
    let expiry = match purpose {
        TokenPurpose::Manage => Some(found.created_at + TimeDelta::days(signed_links::PREFERENCES_TTL_DAYS)),
        TokenPurpose::Confirm => found.expires_at,
    };
    Ok(match expiry {
        Some(expiry) if expiry <= now => TokenLookup::Expired(subscriber),
        _ => TokenLookup::Valid(subscriber),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in base64url");
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }
}
