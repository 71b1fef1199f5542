//! `digestRuns` and `digestPreview` (admin), and the digest's output types.

use async_graphql::{Context, ID, Object, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};
use entity::digest_run;
use jobs::Week;
use jobs::digest::DigestError;

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::scalars::{Date, optional_week};
use crate::state::{AppState, app_state};

/// One week's digest run, with its counts.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct DigestRun {
    /// The run's id.
    pub id: ID,
    /// The week it reports (its Monday).
    pub week: Date,
    /// SENDING while deliveries remain, DONE once every one reached a final state.
    pub status: String,
    /// Subscribers CONFIRMED when the run started: one delivery each.
    pub recipients: i32,
    /// Emails accepted by the SMTP server.
    pub sent: i32,
    /// Deliveries refused for good.
    pub failed: i32,
    /// When the run was created.
    pub started_at: DateTime<Utc>,
    /// When the last delivery reached a final state.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<digest_run::Model> for DigestRun {
    fn from(run: digest_run::Model) -> Self {
        let status = match run.status {
            entity::RunStatus::Sending => "SENDING",
            entity::RunStatus::Done => "DONE",
        };
        Self {
            id: ID(run.id.to_string()),
            week: Date(run.week),
            status: status.to_owned(),
            recipients: run.recipients,
            sent: run.sent,
            failed: run.failed,
            started_at: run.started_at,
            finished_at: run.finished_at,
        }
    }
}

/// A digest as a subscriber would read it.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct DigestEmail {
    /// The subject: the week and its headline move.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, saying the same.
    pub html: String,
}

impl From<jobs::digest::DigestEmail> for DigestEmail {
    fn from(email: jobs::digest::DigestEmail) -> Self {
        Self { subject: email.subject, text: email.text, html: email.html }
    }
}

impl From<DigestError> for ApiError {
    fn from(error: DigestError) -> Self {
        match error {
            e @ (DigestError::WeekNotOver(_) | DigestError::NoSnapshots(_)) => Self::BadUserInput(format!("week: {e}")),
            DigestError::Roles(e) => Self::from(e),
            DigestError::Db(e) => Self::from(e),
            e @ DigestError::Stopped => Self::Unavailable(e.to_string()),
            e @ (DigestError::Template(_) | DigestError::Task(_)) => Self::internal(e),
        }
    }
}

/// Digest queries (admin).
#[derive(Default)]
pub struct DigestQuery;

#[Object]
impl DigestQuery {
    /// The latest `first` digest runs (at most 100), newest week first (admin).
    #[graphql(guard = "AdminGuard")]
    async fn digest_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<DigestRun>> {
        let db = &app_state(ctx).db;
        let first = u64::try_from(first.unwrap_or(10)).unwrap_or(0);
        let runs = jobs::digest::list_runs(db, first).await.map_err(ApiError::from).extend()?;
        Ok(runs.into_iter().map(DigestRun::from).collect())
    }

    /// The digest of `week` (default: the last full week) as a subscriber following `roles`
    /// (slugs; omitted or empty: every role) would get it; nothing is sent (admin).
    #[graphql(guard = "AdminGuard")]
    async fn digest_preview(
        &self,
        ctx: &Context<'_>,
        week: Option<Date>,
        roles: Option<Vec<String>>,
    ) -> async_graphql::Result<DigestEmail> {
        preview(app_state(ctx), week, roles.unwrap_or_default()).await.extend()
    }
}

async fn preview(state: &AppState, week: Option<Date>, roles: Vec<String>) -> ApiResult<DigestEmail> {
    let week = optional_week(week)?.unwrap_or_else(|| Week::last_completed(Utc::now()));
    Ok(jobs::digest::preview(&state.db, week, &roles, &state.public_url).await?.into())
}
