//! Admin mutations over roles, postings and snapshots.

use async_graphql::{Context, InputObject, Object, ResultExt, SimpleObject};
use chrono::Utc;
use entity::snapshot::Figures;
use jobs::Week;
use jobs::imported_snapshots::{SnapshotImport, ranked_names, ranked_skills};
use jobs::ingest::{self, IngestReport as Report, MAX_BATCH, PostingInput};
use jobs::roles::RoleInput as RoleFields;

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::scalars::{Date, NamesAWeek, optional_week};
use crate::graphql::types::{Role, Snapshot};
use crate::state::{AppState, app_state};

/// A role as an admin enters it.
#[derive(InputObject, Debug, Clone)]
pub struct RoleInput {
    /// URL-safe identity (lower-case letters, digits, hyphens).
    pub slug: String,
    /// Display title.
    pub title: String,
    /// A sentence on the role.
    pub summary: Option<String>,
    /// Roles this one leads to; omitted keeps the current path.
    pub career_path: Option<Vec<String>>,
}

/// What an ingest did: each rejected row names its index and reason; the rest is stored.
#[derive(SimpleObject, Debug, Clone)]
pub struct IngestReport {
    /// Postings created.
    pub inserted: i32,
    /// Postings updated (same source and external id).
    pub updated: i32,
    /// Rows refused.
    pub rejected: Vec<Rejection>,
}

/// A refused row.
#[derive(SimpleObject, Debug, Clone)]
pub struct Rejection {
    /// Its position in the list, from 0.
    pub index: i32,
    /// Its external id.
    pub external_id: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl From<Report> for IngestReport {
    fn from(r: Report) -> Self {
        Self {
            inserted: r.inserted as i32,
            updated: r.updated as i32,
            rejected: r
                .rejected
                .into_iter()
                .map(|x| Rejection { index: x.index as i32, external_id: x.external_id, reason: x.reason })
                .collect(),
        }
    }
}

/// Published figures of one role for one week.
#[derive(InputObject, Debug, Clone)]
pub struct SnapshotInput {
    /// Role slug.
    pub role: String,
    /// The week (a Monday).
    pub week: Date,
    /// Open positions.
    pub open_positions: i32,
    /// Salaries behind the figures (default: openPositions).
    pub sample_size: Option<i32>,
    /// Mean of the salary minimums.
    pub salary_range_low: Option<i32>,
    /// Mean of the salary maximums.
    pub salary_range_high: Option<i32>,
    /// Mean of the salary midpoints.
    pub average_salary: Option<i32>,
    /// 25th percentile.
    pub p25_salary: Option<i32>,
    /// Median.
    pub median_salary: Option<i32>,
    /// 75th percentile.
    pub p75_salary: Option<i32>,
    /// 90th percentile.
    pub p90_salary: Option<i32>,
    /// Remote share, 0–100.
    pub remote_pct: f64,
    /// Entry share, 0–100.
    pub entry_pct: f64,
    /// Mid share, 0–100.
    pub mid_pct: f64,
    /// Senior share, 0–100.
    pub senior_pct: f64,
    /// Ranked skills (at most 8).
    pub top_skills: Vec<String>,
    /// Ranked companies (at most 5).
    pub top_companies: Option<Vec<String>>,
    /// Ranked metros (at most 5).
    pub top_metros: Option<Vec<String>>,
}

impl SnapshotInput {
    fn into_import(self) -> ApiResult<SnapshotImport> {
        Ok(SnapshotImport {
            week: Some(self.week.week()?),
            role: self.role,
            figures: Figures {
                open_positions: self.open_positions,
                sample_size: self.sample_size.unwrap_or(self.open_positions),
                salary_range_low: self.salary_range_low,
                salary_range_high: self.salary_range_high,
                average_salary: self.average_salary,
                p25_salary: self.p25_salary,
                median_salary: self.median_salary,
                p75_salary: self.p75_salary,
                p90_salary: self.p90_salary,
                remote_pct: self.remote_pct,
                entry_pct: self.entry_pct,
                mid_pct: self.mid_pct,
                senior_pct: self.senior_pct,
                top_skills: ranked_skills(self.top_skills),
                top_companies: ranked_names(self.top_companies.unwrap_or_default()),
                top_metros: ranked_names(self.top_metros.unwrap_or_default()),
            },
        })
    }
}

/// Admin mutations over the catalogue.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Creates a role, or updates the one with the same slug.
    #[graphql(guard = "AdminGuard")]
    async fn upsert_role(&self, ctx: &Context<'_>, input: RoleInput) -> async_graphql::Result<Role> {
        let state = app_state(ctx);
        let fields =
            RoleFields { slug: input.slug, title: input.title, summary: input.summary, career_path: input.career_path };
        Ok(state
            .write(jobs::roles::upsert_role(&state.db, fields, Utc::now()))
            .await
            .map_err(ApiError::from)
            .extend()?
            .into())
    }

    /// Deletes a role and its snapshots; refused while postings reference it.
    #[graphql(guard = "AdminGuard")]
    async fn delete_role(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        let state = app_state(ctx);
        state.write(jobs::roles::delete_role(&state.db, &slug)).await.map_err(ApiError::from).extend()
    }

    /// Stores up to 10,000 postings; bad rows are reported, the valid rest is kept.
    #[graphql(guard = "AdminGuard")]
    async fn ingest_postings(
        &self,
        ctx: &Context<'_>,
        postings: Vec<PostingInput>,
    ) -> async_graphql::Result<IngestReport> {
        ingest_postings(app_state(ctx), postings).await.extend()
    }

    /// Stores published figures as an IMPORTED snapshot.
    #[graphql(guard = "AdminGuard")]
    async fn upsert_snapshot(&self, ctx: &Context<'_>, input: SnapshotInput) -> async_graphql::Result<Snapshot> {
        upsert_snapshot(app_state(ctx), input).await.extend()
    }

    /// Recomputes every role's snapshot of `week` (default: the last full week);
    /// IMPORTED snapshots are kept unless `force`.
    #[graphql(guard = "AdminGuard")]
    async fn recompute_snapshots(
        &self,
        ctx: &Context<'_>,
        week: Option<Date>,
        #[graphql(default_with = "Some(false)")] force: Option<bool>,
    ) -> async_graphql::Result<Vec<Snapshot>> {
        recompute(app_state(ctx), week, force.unwrap_or(false)).await.extend()
    }
}

async fn ingest_postings(state: &AppState, postings: Vec<PostingInput>) -> ApiResult<IngestReport> {
    if postings.len() > MAX_BATCH {
        return Err(ApiError::BadUserInput(format!(
            "postings: at most {MAX_BATCH} a call, got {}: split the list",
            postings.len()
        )));
    }
    Ok(state.write(ingest::ingest(&state.db, postings, 0, Utc::now())).await?.into())
}

async fn upsert_snapshot(state: &AppState, input: SnapshotInput) -> ApiResult<Snapshot> {
    let stored =
        state.write(jobs::imported_snapshots::upsert_imported(&state.db, input.into_import()?, Utc::now())).await?;
    Ok(Snapshot(stored))
}

async fn recompute(state: &AppState, week: Option<Date>, force: bool) -> ApiResult<Vec<Snapshot>> {
    let now = Utc::now();
    let week = optional_week(week)?.unwrap_or_else(|| Week::last_completed(now));
    let written = state.write(jobs::snapshots::recompute_week(&state.db, week, force, now)).await?;
    Ok(written.into_iter().map(Snapshot).collect())
}
