//! The public newsletter mutations: `subscribe`, `confirmSubscription`, `updatePreferences`,
//! `unsubscribe` (docs/newsletter.md#unsubscribing-and-preferences). Each calls `jobs::subscriptions`.

use std::net::{IpAddr, Ipv4Addr};

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use chrono::Utc;
use jobs::subscriptions::{self, SUBSCRIBE_MESSAGE};

use crate::client::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::graphql::DB_COST;
use crate::graphql::query::subscribers::Subscriber;
use crate::rate_limit::RateLimiter;
use crate::state::{AppState, app_state};

/// What `subscribe` answers, the same whether or not the address was already known.
#[derive(SimpleObject, Debug, Clone)]
pub struct SubscribeResult {
    /// Always true when the request was well-formed.
    pub ok: bool,
    /// What to tell the person: to check their inbox.
    pub message: String,
}

/// Newsletter mutations (public).
#[derive(Default)]
pub struct SubscriptionMutation;

#[Object]
impl SubscriptionMutation {
    /// Signs `email` up for the weekly email about `roles` (omitted or empty: every role) and
    /// sends a confirmation link. Answers the same whatever the address's state.
    #[graphql(complexity = "4 * DB_COST + child_complexity")]
    async fn subscribe(
        &self,
        ctx: &Context<'_>,
        email: String,
        roles: Option<Vec<String>>,
    ) -> async_graphql::Result<SubscribeResult> {
        sign_up(ctx, &email, roles).await.extend()
    }

    /// Confirms the subscription of the confirmation link's `token`.
    #[graphql(complexity = "2 * DB_COST + child_complexity")]
    async fn confirm_subscription(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<Subscriber> {
        let db = &rate_limited(ctx, |limits| &limits.links).extend()?.db;
        Ok(subscriptions::confirm(db, &token, Utc::now()).await.map_err(ApiError::from).extend()?.into())
    }

    /// Sets the roles followed (empty: every role) by the holder of an email's manage `token`.
    #[graphql(complexity = "3 * DB_COST + child_complexity")]
    async fn update_preferences(
        &self,
        ctx: &Context<'_>,
        token: String,
        roles: Vec<String>,
    ) -> async_graphql::Result<Subscriber> {
        let db = &rate_limited(ctx, |limits| &limits.links).extend()?.db;
        let updated = subscriptions::update_preferences(db, &token, roles, Utc::now()).await;
        Ok(updated.map_err(ApiError::from).extend()?.into())
    }

    /// Unsubscribes the holder of an email's manage `token`; true once unsubscribed.
    /// Not rate limited: leaving must always work.
    #[graphql(complexity = "2 * DB_COST")]
    async fn unsubscribe(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        let db = &app_state(ctx).db;
        subscriptions::unsubscribe(db, &token, Utc::now()).await.map_err(ApiError::from).extend()?;
        Ok(true)
    }
}

async fn sign_up(ctx: &Context<'_>, email: &str, roles: Option<Vec<String>>) -> ApiResult<SubscribeResult> {
    let state = rate_limited(ctx, |limits| &limits.sign_up)?;
    subscriptions::subscribe(&state.db, &state.sign_ups, email, roles, Utc::now()).await?;
    Ok(SubscribeResult { ok: true, message: SUBSCRIBE_MESSAGE.to_owned() })
}

/// The state, once the client's per-minute allowance of `budget` admits this request.
fn rate_limited<'a>(
    ctx: &Context<'a>,
    budget: impl FnOnce(&crate::rate_limit::RateLimits) -> &RateLimiter,
) -> ApiResult<&'a AppState> {
    let state = app_state(ctx);
    // A request without a client address shares one allowance rather than escape the limit.
    let ip = ctx.data_opt::<ClientIp>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0);
    if budget(&state.rate_limits).allow(ip) { Ok(state) } else { Err(ApiError::RateLimited) }
}
