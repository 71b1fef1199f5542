//! The job-board fetch: on its schedule (`FETCH_SCHEDULE`), and on demand from the admin API
//! and `salarygraph fetch`. Each is one call of [`fetch`], the one place postings from the
//! boards are written.

use chrono::Utc;
use entity::{FeedKind, feed_source};
use sea_orm::DbErr;

use crate::state::AppState;

/// Fetches every board followed, or one; returns their records after the fetch.
pub async fn fetch(state: &AppState, only: Option<(FeedKind, &str)>) -> Result<Vec<feed_source::Model>, DbErr> {
    state.write(jobs::feeds::fetch_all(&state.db, &state.feeds, only, Utc::now())).await
}

/// The scheduled run: every board; failures are logged, and the next run tries again.
#[tracing::instrument(skip_all)]
pub async fn fetch_scheduled(state: &AppState) {
    match state.shutdown.track(fetch(state, None)).await {
        Ok(sources) => {
            let failed = sources.iter().filter(|s| s.last_error.is_some()).count();
            tracing::info!(boards = sources.len(), failed, "job boards fetched");
        }
        Err(error) => tracing::error!(%error, "job-board fetch failed: the next run tries again"),
    }
}
