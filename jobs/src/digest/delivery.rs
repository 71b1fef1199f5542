//! Sending a run's deliveries: claim a batch atomically, send each with bounded concurrency
//! and retries, record each outcome. Every state change is a conditional `UPDATE`, so that
//! two senders of one run (two tasks, two replicas) never send one delivery twice.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use entity::{DeliveryStatus, SubscriberStatus, delivery, subscriber};
use futures::StreamExt;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::compose::{address, compose};
use super::content::WeekFigures;
use super::{DigestContext, DigestError};
use crate::mail::SendError;
use crate::subscriptions::{ManageLinks, manage_links_many};

/// Permanent failures in a row after which a subscriber is BOUNCED.
pub const BOUNCE_AFTER: i32 = 3;

/// What became of one claimed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Accepted by the SMTP server.
    Sent,
    /// Refused for good (5xx, or temporary failures past the retry policy).
    Failed,
    /// Not sent: the subscriber is no longer CONFIRMED.
    Skipped,
    /// Not sent: the process is stopping; the delivery is PENDING again for the next sender.
    Released,
}

/// What one sender did in a run, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    /// Emails this sender got accepted.
    pub sent: usize,
    /// Deliveries this sender marked FAILED.
    pub failed: usize,
    /// Deliveries this sender marked SKIPPED.
    pub skipped: usize,
    /// Deliveries this sender gave back unsent because it is stopping.
    pub released: usize,
}

impl DeliveryCounts {
    fn add(&mut self, outcome: DeliveryOutcome) {
        match outcome {
            DeliveryOutcome::Sent => self.sent += 1,
            DeliveryOutcome::Failed => self.failed += 1,
            DeliveryOutcome::Skipped => self.skipped += 1,
            DeliveryOutcome::Released => self.released += 1,
        }
    }

    /// Adds another sender's counts.
    pub fn merge(&mut self, other: Self) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.released += other.released;
    }
}

/// The result of one step of a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// A batch was claimed and worked through.
    Worked(DeliveryCounts),
    /// Nothing was claimable: every delivery is final or claimed by a live sender.
    NothingToClaim,
}

/// One step: claims up to a batch of the run's deliveries and sends them, at most
/// `concurrency` at once. Deliveries claimed but not finished (an error mid-batch, a
/// crash) are taken over once their claim is older than the claim timeout.
pub async fn work_batch(
    ctx: &DigestContext,
    figures: &Arc<WeekFigures>,
    run_id: i32,
) -> Result<BatchOutcome, DigestError> {
    let claimed = claim(&ctx.db, run_id, ctx.settings.batch_size, stale_before(ctx)).await?;
    if claimed.is_empty() {
        return Ok(BatchOutcome::NothingToClaim);
    }
    // Read once the batch is claimed, right before its sends: whoever unsubscribed since the
    // run started gets nothing. One query for the batch's subscribers and one insert for
    // their personal links, rather than two statements per email.
    let subscriber_ids: Vec<i32> = claimed.iter().map(|d| d.subscriber_id).collect();
    let mut subscribers: HashMap<i32, subscriber::Model> = subscriber::Entity::find()
        .filter(subscriber::Column::Id.is_in(subscriber_ids.iter().copied()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let links = manage_links_many(&ctx.db, &subscriber_ids, &ctx.public_url, Utc::now()).await?;
    let results: Vec<Result<DeliveryOutcome, DigestError>> = futures::stream::iter(claimed.into_iter().zip(links))
        .map(|(d, links)| {
            let subscriber = subscribers.remove(&d.subscriber_id);
            // A task each, so that composing emails runs on every core, not only this task's.
            let (ctx, figures) = (ctx.clone(), Arc::clone(figures));
            tokio::spawn(async move { deliver(&ctx, &figures, d, subscriber, links).await })
        })
        .buffer_unordered(ctx.settings.concurrency.max(1))
        .map(|joined| joined.unwrap_or_else(|e| Err(DigestError::Task(e.to_string()))))
        .collect()
        .await;
    let mut counts = DeliveryCounts::default();
    let mut first_error = None;
    for result in results {
        match result {
            Ok(outcome) => counts.add(outcome),
            Err(e) => {
                tracing::error!(error = %e, "digest delivery left in SENDING: it will be retried");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(BatchOutcome::Worked(counts)),
    }
}

fn stale_before(ctx: &DigestContext) -> DateTime<Utc> {
    let timeout = TimeDelta::from_std(ctx.settings.claim_timeout).unwrap_or(TimeDelta::MAX);
    Utc::now().checked_sub_signed(timeout).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// PENDING, or SENDING under a claim so old that its sender must have died.
fn claimable(stale_before: DateTime<Utc>) -> Condition {
    Condition::any().add(delivery::Column::Status.eq(DeliveryStatus::Pending)).add(
        Condition::all()
            .add(delivery::Column::Status.eq(DeliveryStatus::Sending))
            .add(delivery::Column::ClaimedAt.lt(stale_before)),
    )
}

/// Claims up to `limit` deliveries of a run for this sender (status SENDING, a fresh
/// `claimed_at`, one more attempt). The claiming `UPDATE` re-checks that each row is still
/// claimable, so of two senders racing for a row exactly one gets it.
pub async fn claim(
    db: &impl ConnectionTrait,
    run_id: i32,
    limit: u64,
    stale_before: DateTime<Utc>,
) -> Result<Vec<delivery::Model>, DbErr> {
    let now = Utc::now();
    let mark = || {
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Sending))
            .col_expr(delivery::Column::ClaimedAt, Expr::value(now))
            .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
            .filter(claimable(stale_before))
    };
    if db.support_returning() {
        // PostgreSQL: one statement; SKIP LOCKED lets concurrent senders take disjoint batches
        // instead of queueing on each other's rows.
        let ids = Query::select()
            .column(delivery::Column::Id)
            .from(delivery::Entity)
            .cond_where(Condition::all().add(delivery::Column::RunId.eq(run_id)).add(claimable(stale_before)))
            .order_by(delivery::Column::Id, sea_orm::Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let mut claimed = mark().filter(delivery::Column::Id.in_subquery(ids)).exec_with_returning(db).await?;
        claimed.sort_by_key(|d| d.id);
        return Ok(claimed);
    }
    // SQLite (no RETURNING in this build, and writers are serialised anyway): one
    // conditional UPDATE per candidate; a row another sender took in between is not counted.
    let candidates: Vec<i32> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::RunId.eq(run_id))
        .filter(claimable(stale_before))
        .order_by_asc(delivery::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let mut won = Vec::with_capacity(candidates.len());
    for id in candidates {
        if mark().filter(delivery::Column::Id.eq(id)).exec(db).await?.rows_affected == 1 {
            won.push(id);
        }
    }
    if won.is_empty() {
        return Ok(Vec::new());
    }
    delivery::Entity::find().filter(delivery::Column::Id.is_in(won)).order_by_asc(delivery::Column::Id).all(db).await
}

/// Sends one claimed delivery and records the outcome.
#[tracing::instrument(skip_all, fields(delivery_id = claimed.id, subscriber_id = claimed.subscriber_id))]
async fn deliver(
    ctx: &DigestContext,
    figures: &WeekFigures,
    claimed: delivery::Model,
    subscriber: Option<subscriber::Model>,
    links: ManageLinks,
) -> Result<DeliveryOutcome, DigestError> {
    let db = &ctx.db;
    if ctx.stop.is_stopping() {
        release(db, claimed.id).await?;
        return Ok(DeliveryOutcome::Released);
    }
    let Some(subscriber) = subscriber.filter(|s| s.status == SubscriberStatus::Confirmed) else {
        finish(db, claimed.id, DeliveryStatus::Skipped, None).await?;
        return Ok(DeliveryOutcome::Skipped);
    };
    let digest = compose(figures, &subscriber.roles(), &links)?;
    let email = address(digest, &subscriber.email, &claimed.message_id, &links);
    let policy = ctx.settings.retry;
    let mut attempt = 1;
    loop {
        match ctx.mailer.send(&email).await {
            Ok(()) => {
                finish(db, claimed.id, DeliveryStatus::Sent, None).await?;
                if subscriber.permanent_failures > 0 {
                    reset_failures(db, subscriber.id).await?;
                }
                return Ok(DeliveryOutcome::Sent);
            }
            Err(SendError::Permanent(reason)) => {
                tracing::warn!(%reason, "digest refused for good");
                finish(db, claimed.id, DeliveryStatus::Failed, Some(reason)).await?;
                count_permanent_failure(db, subscriber.id).await?;
                return Ok(DeliveryOutcome::Failed);
            }
            Err(SendError::Temporary(reason)) if attempt < policy.attempts => {
                let delay = policy.delay_after(attempt);
                tracing::info!(%reason, attempt, ?delay, "digest send failed for now: retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
                // Renewing the claim tells other senders this delivery is still in hand.
                renew_claim(db, claimed.id, &reason).await?;
            }
            Err(SendError::Temporary(reason)) => {
                let reason = format!("gave up after {attempt} attempts: {reason}");
                tracing::warn!(%reason, "digest not sent");
                finish(db, claimed.id, DeliveryStatus::Failed, Some(reason)).await?;
                return Ok(DeliveryOutcome::Failed);
            }
        }
    }
}

/// Gives a claimed delivery back unsent, as if never claimed.
async fn release(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Pending))
        .col_expr(delivery::Column::ClaimedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).sub(1))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
        .exec(db)
        .await?;
    Ok(())
}

async fn renew_claim(db: &impl ConnectionTrait, id: i32, reason: &str) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::ClaimedAt, Expr::value(Utc::now()))
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
        .col_expr(delivery::Column::LastError, Expr::value(reason.to_owned()))
        .filter(delivery::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn finish(
    db: &impl ConnectionTrait,
    id: i32,
    status: DeliveryStatus,
    error: Option<String>,
) -> Result<(), DbErr> {
    let sent_at = (status == DeliveryStatus::Sent).then(Utc::now);
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(delivery::Column::LastError, Expr::value(error))
        .col_expr(delivery::Column::SentAt, Expr::value(sent_at))
        .filter(delivery::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn reset_failures(db: &impl ConnectionTrait, subscriber_id: i32) -> Result<(), DbErr> {
    subscriber::Entity::update_many()
        .col_expr(subscriber::Column::PermanentFailures, Expr::value(0))
        .filter(subscriber::Column::Id.eq(subscriber_id))
        .filter(subscriber::Column::PermanentFailures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

async fn count_permanent_failure(db: &impl ConnectionTrait, subscriber_id: i32) -> Result<(), DbErr> {
    subscriber::Entity::update_many()
        .col_expr(subscriber::Column::PermanentFailures, Expr::col(subscriber::Column::PermanentFailures).add(1))
        .col_expr(subscriber::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(subscriber::Column::Id.eq(subscriber_id))
        .exec(db)
        .await?;
    let bounced = subscriber::Entity::update_many()
        .col_expr(subscriber::Column::Status, Expr::value(SubscriberStatus::Bounced))
        .filter(subscriber::Column::Id.eq(subscriber_id))
        .filter(subscriber::Column::Status.eq(SubscriberStatus::Confirmed))
        .filter(subscriber::Column::PermanentFailures.gte(BOUNCE_AFTER))
        .exec(db)
        .await?;
    if bounced.rows_affected == 1 {
        tracing::warn!(subscriber_id, "subscriber BOUNCED after {BOUNCE_AFTER} permanent failures in a row");
    }
    Ok(())
}
