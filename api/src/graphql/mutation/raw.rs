//! `ingestRawPostings` and `reclassify` (admin): raw postings through classification into
//! postings. Each calls one service function, the place to hook "postings changed".

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use chrono::Utc;
use jobs::raw::{self, MAX_BATCH, RawPosting, RawReport};

use super::catalog::Rejection;
use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, app_state};

/// What a raw ingest did.
#[derive(SimpleObject, Debug, Clone)]
pub struct RawIngestReport {
    /// Postings created.
    pub inserted: i32,
    /// Postings updated (same source and external id).
    pub updated: i32,
    /// Rows kept aside: their title matches no role (see `unclassifiedTitles`).
    pub unclassified: i32,
    /// Rows refused, each with its index and reason.
    pub rejected: Vec<Rejection>,
}

fn rejections(list: Vec<jobs::ingest::Rejection>) -> Vec<Rejection> {
    list.into_iter()
        .map(|x| Rejection { index: x.index as i32, external_id: x.external_id, reason: x.reason })
        .collect()
}

impl From<RawReport> for RawIngestReport {
    fn from(r: RawReport) -> Self {
        Self {
            inserted: r.inserted as i32,
            updated: r.updated as i32,
            unclassified: r.unclassified as i32,
            rejected: rejections(r.rejected),
        }
    }
}

/// What `reclassify` did.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReclassifyReport {
    /// Rows kept aside that were looked at again.
    pub examined: i32,
    /// Of them, those that became postings.
    pub classified: i32,
    /// Those still matching no role.
    pub unclassified: i32,
    /// Those refused now (they stay aside).
    pub rejected: Vec<Rejection>,
}

/// Admin mutations over raw postings.
#[derive(Default)]
pub struct RawMutation;

#[Object]
impl RawMutation {
    /// Classifies and stores up to 10,000 raw postings: each becomes a posting, is kept
    /// aside (its title matches no role), or is refused with a reason.
    #[graphql(guard = "AdminGuard")]
    async fn ingest_raw_postings(
        &self,
        ctx: &Context<'_>,
        postings: Vec<RawPosting>,
    ) -> async_graphql::Result<RawIngestReport> {
        ingest_raw_postings(app_state(ctx), postings).await.extend()
    }

    /// Runs the current rules again over the raw postings kept aside.
    #[graphql(guard = "AdminGuard")]
    async fn reclassify(&self, ctx: &Context<'_>) -> async_graphql::Result<ReclassifyReport> {
        reclassify(app_state(ctx)).await.extend()
    }
}

/// The service behind `ingestRawPostings`.
pub async fn ingest_raw_postings(state: &AppState, postings: Vec<RawPosting>) -> ApiResult<RawIngestReport> {
    if postings.len() > MAX_BATCH {
        return Err(ApiError::BadUserInput(format!(
            "postings: at most {MAX_BATCH} a call, got {}: split the list",
            postings.len()
        )));
    }
    let classifier = jobs::classify::Classifier::load(&state.db).await?;
    Ok(state.write(raw::ingest_raw(&state.db, &classifier, postings, 0, Utc::now())).await?.into())
}

/// The service behind `reclassify`.
pub async fn reclassify(state: &AppState) -> ApiResult<ReclassifyReport> {
    let r = state.write(raw::reclassify(&state.db, Utc::now())).await?;
    Ok(ReclassifyReport {
        examined: r.examined as i32,
        classified: r.classified as i32,
        unclassified: r.unclassified as i32,
        rejected: rejections(r.rejected),
    })
}
