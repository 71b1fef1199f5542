//! The weekly digest (docs/newsletter.md#the-weekly-digest): one email per CONFIRMED subscriber per week, exactly
//! once. Progress lives in the database (`digest_run`, one per week; `delivery`, one per
//! recipient), so a second run, a second replica or a restart after a crash resumes the
//! same work and sends nothing twice.

pub mod chart;
pub mod compose;
pub mod content;
pub mod delivery;
pub mod run;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{digest_run, snapshot};
use sea_orm::{DatabaseConnection, DbErr};
use tokio_util::sync::CancellationToken;

pub use compose::{DigestEmail, message_id};
pub use content::WeekFigures;
pub use delivery::{BatchOutcome, DeliveryCounts, work_batch};
pub use run::{Started, find_run, list_runs, start};

use crate::mail::Mailer;
use crate::roles::{RoleError, resolve_slugs};
use crate::subscriptions::{ManageLinks, preferences_url, unsubscribe_url};
use crate::week::Week;

/// How often a sender writes the run's sent and failed counts while it works.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Why a digest could not be prepared or sent.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The week is not over yet: a digest reports a finished week.
    #[error("week {0} has not ended yet: a digest reports a finished week")]
    WeekNotOver(Week),
    /// The week has no snapshot at all, so there is nothing to report.
    #[error("week {0} has no snapshots: there is nothing to report")]
    NoSnapshots(Week),
    /// A preview named unknown roles (the message lists them).
    #[error(transparent)]
    Roles(#[from] RoleError),
    /// A template failed to render.
    #[error("rendering the digest: {0}")]
    Template(#[from] askama::Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The process is stopping: the run was left at a recipient boundary, and the next
    /// start resumes it.
    #[error("stopped by shutdown at a recipient boundary: the next start resumes the run")]
    Stopped,
    /// A sending task panicked or was cancelled; its delivery is taken over later.
    #[error("a digest sending task ended abnormally: {0}")]
    Task(String),
}

/// How temporary SMTP failures are retried: `attempts` sends in all, waiting `base_delay`,
/// then twice as long each time. A sender that finds the SMTP server unreachable waits on the
/// same scale (`base_delay`, doubling, at most [`RetryPolicy::MAX_DELAY`]) between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends per delivery, the first included.
    pub attempts: u32,
    /// The wait after the first failure.
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// The longest wait between two attempts.
    pub const MAX_DELAY: Duration = Duration::from_secs(60);

    /// The wait after failed attempt number `attempt` (from 1).
    pub fn delay_after(self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(Self::MAX_DELAY)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 4, base_delay: Duration::from_secs(2) }
    }
}

/// How a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSettings {
    /// SMTP sends at once (`SMTP_CONCURRENCY`).
    pub concurrency: usize,
    /// Retries of temporary failures.
    pub retry: RetryPolicy,
    /// A SENDING delivery whose claim was not renewed for this long is taken over: its
    /// sender died. A sender renews its claims every fifth of this while it works, and stops
    /// sending from claims it could not renew for four fifths of it.
    pub claim_timeout: Duration,
    /// Deliveries claimed per step.
    pub batch_size: u64,
}

impl DigestSettings {
    /// How often a sender renews its claims.
    pub fn renew_every(&self) -> Duration {
        self.claim_timeout / 5
    }

    /// The defaults with `concurrency` sends at once.
    pub fn with_concurrency(concurrency: usize) -> Self {
        Self {
            concurrency: concurrency.max(1),
            retry: RetryPolicy::default(),
            // With the poll below (a twentieth), a dead sender's recipients are taken over
            // within 30 s of its last renewal.
            claim_timeout: Duration::from_secs(25),
            batch_size: 200,
        }
    }
}

/// What a run needs.
#[derive(Clone)]
pub struct DigestContext {
    /// The database.
    pub db: DatabaseConnection,
    /// Sends the emails.
    pub mailer: Mailer,
    /// `PUBLIC_URL`, without a trailing slash: base of the links in each email.
    pub public_url: String,
    /// Concurrency, retries, claims.
    pub settings: DigestSettings,
    /// Tells senders to stop at the next recipient boundary (shutdown); a token nobody
    /// cancels (CLI runs, tests, benchmarks) never stops them.
    pub stop: CancellationToken,
}

/// Waits `duration`, or less if `stop` is cancelled meanwhile: `true` when the wait ran its
/// course, `false` when the caller should stop. Retry and outage waits use it, so that
/// shutdown never waits for a backoff.
pub(crate) async fn sleep_unless_stopped(stop: &CancellationToken, duration: Duration) -> bool {
    stop.run_until_cancelled(tokio::time::sleep(duration)).await.is_some()
}

/// What a call of [`run_weekly_digest`] found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestRunSummary {
    /// The run as it stands at the end (DONE unless an error stopped it).
    pub run: digest_run::Model,
    /// Whether this call created the run.
    pub created: bool,
    /// Snapshots recomputed before the run was created.
    pub recomputed: Vec<snapshot::Model>,
    /// What this call itself sent (other senders of the run send the rest).
    pub delivered: DeliveryCounts,
}

/// Sends `week`'s digest: creates the run if there is none (recomputing the week's
/// snapshots first), then sends every delivery still to send, and returns once the run is
/// DONE. Safe to call twice, or concurrently from several tasks or replicas.
#[tracing::instrument(skip_all, fields(%week))]
pub async fn run_weekly_digest(
    ctx: &DigestContext,
    week: Week,
    now: DateTime<Utc>,
) -> Result<DigestRunSummary, DigestError> {
    let Started { run, created, recomputed } = start(&ctx.db, week, now).await?;
    let (run, delivered) = deliver_run(ctx, run).await?;
    Ok(DigestRunSummary { run, created, recomputed, delivered })
}

/// Senders one process runs for a run. With one, the SMTP connections idle while it claims
/// and prepares its next batch (a claim, the batch's subscribers, the signing key) and while
/// its last sends of a batch finish; a second sender's sends fill those gaps. The mailer's
/// pool still bounds the sends at once (`SMTP_CONCURRENCY`), whatever the senders.
const SENDERS_PER_RUN: usize = 2;

/// When this process last recorded a run's progress. Its senders share it, so that the run's
/// deliveries are counted once every [`PROGRESS_EVERY`], not once per sender.
struct ProgressClock(std::sync::Mutex<Instant>);

impl Default for ProgressClock {
    fn default() -> Self {
        Self(std::sync::Mutex::new(Instant::now()))
    }
}

impl ProgressClock {
    /// Whether recording is due; if it is, the caller records and the clock starts again.
    fn take_if_due(&self) -> bool {
        let mut last = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.elapsed() >= PROGRESS_EVERY;
        if due {
            *last = Instant::now();
        }
        due
    }

    /// Progress was just recorded outside the schedule.
    fn restart(&self) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
    }
}

/// Sends a started run's remaining deliveries, then waits for other senders' claims to end
/// (or to go stale and be taken over), and returns the run once DONE.
pub async fn deliver_run(
    ctx: &DigestContext,
    run: digest_run::Model,
) -> Result<(digest_run::Model, DeliveryCounts), DigestError> {
    if run.status == entity::RunStatus::Done {
        return Ok((run, DeliveryCounts::default()));
    }
    let figures = std::sync::Arc::new(WeekFigures::load(&ctx.db, Week::containing(run.week)).await?);
    let run_id = run.id;
    let progress = ProgressClock::default();
    let senders = (0..SENDERS_PER_RUN).map(|_| send_until_done(ctx, &figures, run_id, &progress));
    // Each sender is awaited to its end, an error in one included: a sender dropped
    // mid-batch would leave sends running that nobody waits for at shutdown.
    let mut delivered = DeliveryCounts::default();
    let mut last = run;
    for finished in futures::future::join_all(senders).await {
        let (run, counts) = finished?;
        delivered.merge(counts);
        last = run;
    }
    Ok((last, delivered))
}

/// One sender of a run: claims and sends batches until nothing is left to claim and the
/// run is DONE. Several may work on one run at once, in this process or in others.
async fn send_until_done(
    ctx: &DigestContext,
    figures: &std::sync::Arc<WeekFigures>,
    run_id: i32,
    progress: &ProgressClock,
) -> Result<(digest_run::Model, DeliveryCounts), DigestError> {
    let mut delivered = DeliveryCounts::default();
    let poll = (ctx.settings.claim_timeout / 20).clamp(Duration::from_millis(20), Duration::from_secs(5));
    // Batches in a row that found the SMTP server unreachable.
    let mut outages = 0u32;
    loop {
        match work_batch(ctx, figures, run_id).await? {
            BatchOutcome::Worked(counts) => {
                delivered.merge(counts);
                if ctx.stop.is_cancelled() {
                    run::record_progress(&ctx.db, run_id, Utc::now()).await?;
                    return Err(DigestError::Stopped);
                }
                if counts.deferred > 0 {
                    // The SMTP server is away and the batch was given back: wait for it,
                    // longer each time up to a minute, rather than fail anyone or give up.
                    outages = outages.saturating_add(1);
                    let wait = ctx.settings.retry.delay_after(outages);
                    tracing::warn!(
                        deferred = counts.deferred,
                        outages,
                        ?wait,
                        "SMTP server unreachable: digest paused"
                    );
                    run::record_progress(&ctx.db, run_id, Utc::now()).await?;
                    progress.restart();
                    if !sleep_unless_stopped(&ctx.stop, wait).await {
                        return Err(DigestError::Stopped);
                    }
                    continue;
                }
                if outages > 0 {
                    tracing::info!(outages, "SMTP server reachable again: digest resumed");
                    outages = 0;
                }
                // Counting reads every delivery of the run: once in a while is enough.
                if progress.take_if_due() {
                    run::record_progress(&ctx.db, run_id, Utc::now()).await?;
                }
            }
            BatchOutcome::NothingToClaim => {
                let current = run::record_progress(&ctx.db, run_id, Utc::now()).await?;
                if current.status == entity::RunStatus::Done {
                    tracing::info!(sent = current.sent, failed = current.failed, "digest run done");
                    return Ok((current, delivered));
                }
                if !sleep_unless_stopped(&ctx.stop, poll).await {
                    return Err(DigestError::Stopped);
                }
            }
        }
    }
}

/// The digest a subscriber following `roles` (slugs; empty: every role) would get for
/// `week`, without sending anything. Its links carry a placeholder token.
pub async fn preview(
    db: &DatabaseConnection,
    week: Week,
    roles: &[String],
    public_url: &str,
) -> Result<DigestEmail, DigestError> {
    resolve_slugs(db, roles).await?;
    let figures = WeekFigures::load(db, week).await?;
    if figures.roles.is_empty() {
        return Err(DigestError::NoSnapshots(week));
    }
    let links = ManageLinks {
        unsubscribe_url: unsubscribe_url(public_url, "PREVIEW"),
        preferences_url: preferences_url(public_url, "PREVIEW"),
    };
    Ok(compose::compose(&figures, roles, &links)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_a_ceiling() {
        let policy = RetryPolicy { attempts: 5, base_delay: Duration::from_millis(100) };
        let waits: Vec<u128> = (1..=4).map(|a| policy.delay_after(a).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 800]);
        assert_eq!(policy.delay_after(40), RetryPolicy::MAX_DELAY);
    }

    #[test]
    fn of_senders_sharing_a_clock_only_one_records_each_period() {
        let started = Instant::now() - PROGRESS_EVERY;
        let clock = ProgressClock(std::sync::Mutex::new(started));
        assert!(clock.take_if_due(), "a period has passed: the first sender records");
        assert!(!clock.take_if_due(), "the second sender finds it recorded");
        let clock = ProgressClock(std::sync::Mutex::new(started));
        clock.restart();
        assert!(!clock.take_if_due(), "recorded outside the schedule: the period starts again");
    }
}
