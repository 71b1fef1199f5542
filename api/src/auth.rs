//! Admin authentication: a bearer token compared in constant time.

use async_graphql::{Context, Guard};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// The configured admin token, kept only as its SHA-256 so that comparisons take the
/// same time whatever the length or content of the presented token.
pub struct AdminToken {
    digest: [u8; 32],
}

impl AdminToken {
    /// Keeps the digest of the configured token.
    pub fn new(token: &SecretString) -> Self {
        Self { digest: Sha256::digest(token.expose_secret().as_bytes()).into() }
    }

    /// Whether `presented` is the admin token (constant time).
    pub fn verify(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.digest.ct_eq(&digest).into()
    }
}

/// The bearer token a request presented, if any (request data).
#[derive(Clone, Default)]
pub struct BearerToken(pub Option<String>);

impl BearerToken {
    /// Reads `Authorization: Bearer …`.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned());
        Self(token)
    }
}

/// Whether the request in `ctx` carries the admin token.
pub fn is_admin(ctx: &Context<'_>) -> bool {
    let Ok(state) = ctx.data::<AppState>() else { return false };
    is_admin_token(state, ctx.data_opt::<BearerToken>().and_then(|t| t.0.as_deref()))
}

/// Whether `presented` is the configured admin token (none is configured: never).
pub fn is_admin_token(state: &AppState, presented: Option<&str>) -> bool {
    match (&state.admin_token, presented) {
        (Some(token), Some(presented)) => token.verify(presented),
        _ => false,
    }
}

/// Guards admin fields: `UNAUTHORIZED` unless the request carries the admin token.
pub struct AdminGuard;

impl Guard for AdminGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if is_admin(ctx) { Ok(()) } else { Err(async_graphql::ErrorExtensions::extend(&ApiError::Unauthorized)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_verifies() {
        let token = AdminToken::new(&SecretString::from("correct horse battery staple"));
        assert!(token.verify("correct horse battery staple"));
        assert!(!token.verify("correct horse battery stapl"));
        assert!(!token.verify(""));
    }
}
