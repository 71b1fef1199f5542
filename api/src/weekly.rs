//! The weekly job as the server runs it: recompute the week that just ended, and tell
//! live subscribers about the new snapshots.

use chrono::{DateTime, Utc};
use jobs::Week;
use jobs::schedule::Schedule;

use crate::state::AppState;

/// Runs the weekly job for the schedule time `fired_at`.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState, fired_at: DateTime<Utc>) {
    let week = Week::last_completed(fired_at);
    match jobs::snapshots::recompute_week(&state.db, week, false, Utc::now()).await {
        Ok(written) => state.publish_snapshots(&written),
        Err(error) => tracing::error!(%error, %week, "weekly recompute failed"),
    }
}

/// On start: when the last scheduled time has passed and its week has no computed
/// snapshot yet, run the job for it now.
pub async fn catch_up(state: &AppState, schedule: &Schedule, now: DateTime<Utc>) {
    let Some(last) = schedule.last_fire_at_or_before(now) else { return };
    let week = Week::last_completed(last);
    match jobs::catalog::snapshots_of_week(&state.db, week).await {
        Ok(existing) if existing.iter().any(|s| s.source == entity::SnapshotSource::Computed) => {}
        Ok(_) => {
            tracing::info!(%week, "catching up the weekly job missed at {last}");
            run(state, last).await;
        }
        Err(error) => tracing::error!(%error, "could not check for a missed weekly run"),
    }
}
