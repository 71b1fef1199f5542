//! The token of the unsubscribe and preferences links in emails: signed (HMAC-SHA256 with a
//! key kept in the database), so that an email needs no row of its own. The token names the
//! key, the subscriber and the moment it was issued; unsubscribing accepts it for ever, the
//! preferences page for [`PREFERENCES_TTL_DAYS`].
//!
//! Keys rotate: the newest signs, and [`rotate`] replaces it once it is older than the
//! configured age (`LINK_KEY_ROTATION_DAYS`). A key verifies only links issued while it was
//! the newest, so a retired key that leaked cannot mint a fresh preferences link; deleting
//! its row revokes every link it signed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use entity::link_key;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::Sha256;

/// How long a preferences link works after its email was sent.
pub const PREFERENCES_TTL_DAYS: i64 = 90;
/// What the replicas' clocks may disagree by.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);
/// Version byte of the token layout below.
const VERSION: u8 = 1;
/// version, key id, subscriber id, issued (unix seconds): big-endian.
const PAYLOAD_LEN: usize = 1 + 4 + 4 + 4;
/// Bytes of the HMAC kept: 128 bits.
const TAG_LEN: usize = 16;
/// Bytes of a token before base64.
const TOKEN_BYTES: usize = PAYLOAD_LEN + TAG_LEN;
/// Characters of a token (base64url without padding).
pub const TOKEN_LEN: usize = (TOKEN_BYTES * 4).div_ceil(3);
/// Binds a tag to this use of the key.
const DOMAIN: &[u8] = b"salarygraph manage link";

/// What a well-formed token claims (before its tag is checked against its key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkClaims {
    /// The key that signed it.
    pub key_id: i32,
    /// The subscriber it acts for.
    pub subscriber_id: i32,
    /// When its email was made, to the second.
    pub issued_at: DateTime<Utc>,
}

impl LinkClaims {
    /// Whether the preferences page still takes it at `now`.
    pub fn allows_preferences(&self, now: DateTime<Utc>) -> bool {
        now - self.issued_at <= TimeDelta::days(PREFERENCES_TTL_DAYS)
    }
}

fn tag(secret: &str, payload: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(DOMAIN);
    mac.update(payload);
    Some(mac)
}

/// The token for `subscriber_id`, signed with `key`, issued at `issued_at`.
pub fn sign(key: &link_key::Model, subscriber_id: i32, issued_at: DateTime<Utc>) -> String {
    let mut bytes = Vec::with_capacity(TOKEN_BYTES);
    bytes.push(VERSION);
    bytes.extend_from_slice(&key.id.to_be_bytes());
    bytes.extend_from_slice(&subscriber_id.to_be_bytes());
    let seconds = u32::try_from(issued_at.timestamp()).unwrap_or(u32::MAX);
    bytes.extend_from_slice(&seconds.to_be_bytes());
    let mac = tag(&key.secret, &bytes).map(|m| m.finalize().into_bytes());
    bytes.extend_from_slice(mac.as_ref().map_or(&[0u8; TAG_LEN][..], |m| &m[..TAG_LEN]));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a token's claims without checking them; `None` unless it has this layout.
pub fn decode(token: &str) -> Option<(LinkClaims, [u8; TOKEN_BYTES])> {
    if token.len() != TOKEN_LEN {
        return None;
    }
    let bytes: [u8; TOKEN_BYTES] = URL_SAFE_NO_PAD.decode(token).ok()?.try_into().ok()?;
    if bytes[0] != VERSION {
        return None;
    }
    let word = |at: usize| [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    let issued_at = DateTime::from_timestamp(i64::from(u32::from_be_bytes(word(9))), 0)?;
    let claims =
        LinkClaims { key_id: i32::from_be_bytes(word(1)), subscriber_id: i32::from_be_bytes(word(5)), issued_at };
    Some((claims, bytes))
}

/// Whether `bytes` carry `key`'s tag and were issued while `key` was the newest (constant
/// time in the tag).
fn signed_by(key: &link_key::Model, claims: &LinkClaims, bytes: &[u8; TOKEN_BYTES]) -> bool {
    let in_term = claims.issued_at >= key.created_at - CLOCK_SKEW
        && key.retired_at.is_none_or(|retired| claims.issued_at <= retired + CLOCK_SKEW);
    let Some(mac) = tag(&key.secret, &bytes[..PAYLOAD_LEN]) else { return false };
    mac.verify_truncated_left(&bytes[PAYLOAD_LEN..]).is_ok() && in_term
}

/// The claims of a token signed by one of our keys, `None` for anything else. One query
/// (the key) for a well-formed token, none for a malformed one.
pub async fn verify(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> Result<Option<LinkClaims>, DbErr> {
    let Some((claims, bytes)) = decode(token) else { return Ok(None) };
    if claims.issued_at > now + CLOCK_SKEW {
        return Ok(None);
    }
    let Some(key) = link_key::Entity::find_by_id(claims.key_id).one(db).await? else { return Ok(None) };
    Ok(signed_by(&key, &claims, &bytes).then_some(claims))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn newest(db: &impl ConnectionTrait) -> Result<Option<link_key::Model>, DbErr> {
    link_key::Entity::find()
        .filter(link_key::Column::RetiredAt.is_null())
        .order_by_desc(link_key::Column::CreatedAt)
        .order_by_desc(link_key::Column::Id)
        .one(db)
        .await
}

async fn create(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<link_key::Model, DbErr> {
    let key = link_key::ActiveModel {
        secret: Set(new_secret()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Older keys stop signing. Two replicas rotating at once leave two keys: harmless, the
    // newer signs and both verify what they signed.
    link_key::Entity::update_many()
        .col_expr(link_key::Column::RetiredAt, Expr::value(now))
        .filter(link_key::Column::RetiredAt.is_null())
        .filter(link_key::Column::Id.lt(key.id))
        .exec(db)
        .await?;
    tracing::info!(key_id = key.id, "new link signing key");
    Ok(key)
}

/// The key that signs links now; the first one is made on first use.
pub async fn signing_key(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<link_key::Model, DbErr> {
    match newest(db).await? {
        Some(key) => Ok(key),
        None => create(db, now).await,
    }
}

/// Replaces the signing key when it is older than `max_age` (or there is none); true when
/// a new key was made.
pub async fn rotate(db: &impl ConnectionTrait, max_age: TimeDelta, now: DateTime<Utc>) -> Result<bool, DbErr> {
    match newest(db).await? {
        Some(key) if now - key.created_at < max_age => Ok(false),
        _ => create(db, now).await.map(|_| true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: i32, created_at: DateTime<Utc>, retired_at: Option<DateTime<Utc>>) -> link_key::Model {
        link_key::Model { id, secret: "ab".repeat(32), created_at, retired_at }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("time")
    }

    #[test]
    fn a_signed_token_names_its_key_subscriber_and_time_and_verifies_only_unaltered() {
        let k = key(7, at(1_700_000_000), None);
        let token = sign(&k, 42, at(1_750_000_000));
        assert_eq!(token.len(), TOKEN_LEN);
        let (claims, bytes) = decode(&token).expect("decodes");
        assert_eq!(claims, LinkClaims { key_id: 7, subscriber_id: 42, issued_at: at(1_750_000_000) });
        assert!(signed_by(&k, &claims, &bytes));
        // Another subscriber's id in the same token: the tag no longer matches.
        let mut forged = bytes;
        forged[8] ^= 1;
        let (forged_claims, _) = decode(&URL_SAFE_NO_PAD.encode(forged)).expect("decodes");
        assert!(!signed_by(&k, &forged_claims, &forged));
        // Another key with the same id.
        let other = link_key::Model { secret: "cd".repeat(32), ..k.clone() };
        assert!(!signed_by(&other, &claims, &bytes));
    }

    #[test]
    fn a_key_verifies_only_what_it_signed_while_it_was_the_newest() {
        let retired = key(1, at(1_000_000), Some(at(2_000_000)));
        let old = sign(&retired, 1, at(1_500_000));
        let (claims, bytes) = decode(&old).expect("decodes");
        assert!(signed_by(&retired, &claims, &bytes));
        let minted_later = sign(&retired, 1, at(3_000_000));
        let (claims, bytes) = decode(&minted_later).expect("decodes");
        assert!(!signed_by(&retired, &claims, &bytes), "a retired key mints nothing new");
    }

    #[test]
    fn preferences_expire_after_ninety_days() {
        let claims = LinkClaims { key_id: 1, subscriber_id: 1, issued_at: at(0) };
        assert!(claims.allows_preferences(at(0) + TimeDelta::days(90)));
        assert!(!claims.allows_preferences(at(0) + TimeDelta::days(90) + TimeDelta::seconds(1)));
    }

    #[test]
    fn other_shapes_do_not_decode() {
        // Version 0, an old random token's length, too short, not base64.
        for token in ["A".repeat(TOKEN_LEN), "A".repeat(43), String::new(), "x".into(), "!".repeat(TOKEN_LEN)] {
            assert!(decode(&token).is_none(), "{token}");
        }
    }
}
