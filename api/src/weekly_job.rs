//! The weekly job as the server runs it: recompute the week that just ended, tell live
//! subscribers about the new snapshots, and send that week's digest.

use chrono::{DateTime, Utc};
use jobs::Week;
use jobs::digest::{DigestContext, DigestError};
use jobs::schedule::Schedule;

use crate::state::AppState;

/// What the digest needs from the shared state.
pub fn digest_context(state: &AppState) -> DigestContext {
    DigestContext {
        db: state.db.clone(),
        mailer: state.mailer.clone(),
        public_url: state.public_url.to_string(),
        settings: state.digest,
        stop: state.shutdown.signal(),
    }
}

/// Runs the weekly job for the schedule time `fired_at`: the digest of the week that ended
/// before it. Every replica's scheduler fires; the digest run's unique week makes one of
/// them create the run, and all of them share its sending.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState, fired_at: DateTime<Utc>) {
    rotate_link_key(state).await;
    let week = Week::last_completed(fired_at);
    let ctx = digest_context(state);
    match state.shutdown.track(jobs::digest::run_weekly_digest(&ctx, week, Utc::now())).await {
        Ok(summary) => {
            state.changes.written(&state.db).await;
            tracing::info!(
                %week,
                recipients = summary.run.recipients,
                sent = summary.run.sent,
                failed = summary.run.failed,
                "weekly digest done"
            );
        }
        Err(error @ DigestError::NoSnapshots(_)) => tracing::warn!(%error, "no weekly digest"),
        Err(error @ DigestError::Stopped) => tracing::info!(%error, %week, "weekly digest paused"),
        Err(error) => tracing::error!(%error, %week, "weekly digest failed: the next start catches it up"),
    }
}

/// Replaces the key that signs email links once it is `LINK_KEY_ROTATION_DAYS` old (on
/// start and before each weekly digest); a failure keeps the current key.
pub async fn rotate_link_key(state: &AppState) {
    match jobs::signed_links::rotate(&state.db, state.link_key_rotation, Utc::now()).await {
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not rotate the link signing key: keeping the current one"),
    }
}

/// On start: when the last scheduled time has passed and its week's digest run is missing
/// or unfinished (the service was down, or stopped mid-send), run the job for it now.
pub async fn catch_up(state: &AppState, schedule: &Schedule, now: DateTime<Utc>) {
    let Some(last) = schedule.last_fire_at_or_before(now) else { return };
    let week = Week::last_completed(last);
    match jobs::digest::find_run(&state.db, week).await {
        Ok(Some(run)) if run.status == entity::RunStatus::Done => {}
        Ok(_) => {
            tracing::info!(%week, "catching up the weekly job missed at {last}");
            run(state, last).await;
        }
        Err(error) => tracing::error!(%error, "could not check for a missed weekly run"),
    }
    resume_unfinished(state).await;
}

/// Sends what is left of runs still SENDING: weeks sent by hand (`sendDigest`, `digest
/// send`) whose process stopped mid-send. Their claims were given back or go stale, so this
/// resumes them without sending anything twice.
pub async fn resume_unfinished(state: &AppState) {
    let runs = match jobs::digest::list_runs(&state.db, 100).await {
        Ok(runs) => runs,
        Err(error) => return tracing::error!(%error, "could not look for unfinished digest runs"),
    };
    for run in runs.into_iter().filter(|r| r.status == entity::RunStatus::Sending) {
        let week = run.week;
        tracing::info!(%week, "resuming an unfinished digest run");
        deliver_in_background(state, run);
    }
}

/// Sends a started run's remaining deliveries in a background task that shutdown waits for
/// (it stops at a recipient boundary).
pub fn deliver_in_background(state: &AppState, run: entity::digest_run::Model) {
    let (ctx, shutdown, week) = (digest_context(state), state.shutdown.clone(), run.week);
    tokio::spawn(async move {
        match shutdown.track(jobs::digest::deliver_run(&ctx, run)).await {
            Ok(_) => {}
            Err(error @ DigestError::Stopped) => tracing::info!(%error, %week, "digest paused"),
            Err(error) => tracing::error!(%error, %week, "digest sending stopped: the next start resumes it"),
        }
    });
}
