//! `sendDigest` (admin).

use async_graphql::{Context, Object, ResultExt};
use chrono::Utc;
use jobs::Week;

use crate::auth::AdminGuard;
use crate::error::ApiResult;
use crate::graphql::query::digest::DigestRun;
use crate::graphql::scalars::{Date, optional_week};
use crate::state::{AppState, app_state};

/// Digest mutations (admin).
#[derive(Default)]
pub struct DigestMutation;

#[Object]
impl DigestMutation {
    /// Sends the digest of `week` (default: the last full week) to every CONFIRMED
    /// subscriber, once: for a week already started it resumes or returns the existing run.
    /// Answers once the run and its deliveries exist; sending goes on in the background
    /// (follow it with `digestRuns`) (admin).
    #[graphql(guard = "AdminGuard")]
    async fn send_digest(&self, ctx: &Context<'_>, week: Option<Date>) -> async_graphql::Result<DigestRun> {
        send_digest(app_state(ctx), week).await.extend()
    }
}

async fn send_digest(state: &AppState, week: Option<Date>) -> ApiResult<DigestRun> {
    let now = Utc::now();
    let week = optional_week(week)?.unwrap_or_else(|| Week::last_completed(now));
    let started = state.write(jobs::digest::start(&state.db, week, now)).await?;
    let run = started.run.clone();
    if run.status == entity::RunStatus::Sending {
        crate::weekly_job::deliver_in_background(state, started.run);
    }
    Ok(run.into())
}
