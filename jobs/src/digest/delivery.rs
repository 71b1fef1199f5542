//! Sending a run's deliveries: claim a batch atomically, send each with bounded concurrency
//! and retries, record each outcome. Every state change is a conditional `UPDATE`, so that
//! two senders of one run (two tasks, two replicas) never send one delivery twice.
//!
//! A claim lives as long as its sender: the sender renews it every few seconds while it
//! works on the batch, so a claim that stops being renewed means a dead sender, and other
//! senders take its deliveries over within 30 seconds (see [`Lease`]).
//!
//! Two kinds of temporary failure are told apart. A 4xx about one recipient is retried with
//! backoff, then that delivery is FAILED. An unreachable SMTP server says nothing about the
//! recipient: after the same retries the delivery is given back (PENDING, its attempts as
//! before the claim), the rest of the batch is given back unsent, and the sender waits for
//! the server (see `deliver_run`), so an outage fails nobody.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
    /// Not sent: the SMTP server is unreachable; the delivery is PENDING again, its attempts
    /// as before the claim, for when the server is back.
    Deferred,
    /// Not sent by this sender: its claim went stale (it could not renew it in time), and
    /// another sender takes the delivery over.
    TakenOver,
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
    /// Deliveries this sender gave back unsent because the SMTP server was unreachable.
    pub deferred: usize,
    /// Sends this sender repeated after a temporary failure or an unreachable server.
    pub retried: usize,
}

/// The process's digest metrics (`/metrics`): emails by outcome, and retries.
fn record_metrics(outcome: DeliveryOutcome, retries: usize) {
    let label = match outcome {
        DeliveryOutcome::Sent => "sent",
        DeliveryOutcome::Failed => "failed",
        DeliveryOutcome::Skipped => "skipped",
        DeliveryOutcome::Released => "released",
        DeliveryOutcome::Deferred => "deferred",
        DeliveryOutcome::TakenOver => "taken_over",
    };
    metrics::counter!("digest_emails_total", "outcome" => label).increment(1);
    metrics::counter!("digest_retries_total").increment(retries as u64);
}

impl DeliveryCounts {
    fn add(&mut self, outcome: DeliveryOutcome) {
        match outcome {
            DeliveryOutcome::Sent => self.sent += 1,
            DeliveryOutcome::Failed => self.failed += 1,
            DeliveryOutcome::Skipped => self.skipped += 1,
            DeliveryOutcome::Released => self.released += 1,
            DeliveryOutcome::Deferred => self.deferred += 1,
            DeliveryOutcome::TakenOver => {}
        }
    }

    /// Adds another sender's counts.
    pub fn merge(&mut self, other: Self) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.released += other.released;
        self.deferred += other.deferred;
        self.retried += other.retried;
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
    let lease = Arc::new(Lease::new(ctx.settings.claim_timeout));
    let claimed = claim(&ctx.db, run_id, ctx.settings.batch_size, stale_before(ctx)).await?;
    if claimed.is_empty() {
        return Ok(BatchOutcome::NothingToClaim);
    }
    let claimed_ids: Vec<i32> = claimed.iter().map(|d| d.id).collect();
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
    // Raised by the first delivery that finds the SMTP server unreachable past its retries:
    // the rest of the batch is then given back at once instead of each retrying in vain.
    let outage = Arc::new(AtomicBool::new(false));
    let recorder = SentRecorder::start(ctx.db.clone(), ctx.settings.concurrency.max(1));
    let sending = futures::stream::iter(claimed.into_iter().zip(links))
        .map(|(d, links)| {
            let subscriber = subscribers.remove(&d.subscriber_id);
            // A task each, so that composing emails runs on every core, not only this task's.
            let (ctx, figures, outage, lease, recorder) =
                (ctx.clone(), Arc::clone(figures), Arc::clone(&outage), Arc::clone(&lease), recorder.clone());
            tokio::spawn(async move {
                let batch = Batch { outage: &outage, lease: &lease, recorder: &recorder };
                deliver(&ctx, &figures, d, subscriber, links, batch).await
            })
        })
        .buffer_unordered(ctx.settings.concurrency.max(1))
        .map(|joined| joined.unwrap_or_else(|e| Err(DigestError::Task(e.to_string()))))
        .collect::<Vec<Result<Delivered, DigestError>>>();
    // The claims are renewed for as long as the batch is being sent, and no longer.
    let results = tokio::select! {
        results = sending => results,
        never = keep_claims(ctx, &claimed_ids, &lease) => match never {},
    };
    let mut counts = DeliveryCounts::default();
    let mut first_error = None;
    for result in results {
        match result {
            Ok(Delivered { outcome, retries }) => {
                counts.add(outcome);
                counts.retried += retries;
                record_metrics(outcome, retries);
            }
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

/// What every delivery of a batch shares with the others.
#[derive(Clone, Copy)]
struct Batch<'a> {
    /// Raised when the SMTP server is found unreachable.
    outage: &'a AtomicBool,
    /// The batch's claims.
    lease: &'a Lease,
    /// Where sent deliveries are recorded.
    recorder: &'a SentRecorder,
}

/// Records sent deliveries as SENT, in groups: the sends of a batch that end while a record
/// is being written share the next `UPDATE` (a group commit), rather than one statement and
/// one commit each. A send still counts only once its row says SENT ([`record_sent`] waits
/// for that), so a crash leaves exactly the deliveries it left before in doubt.
///
/// [`record_sent`]: SentRecorder::record_sent
#[derive(Clone)]
struct SentRecorder {
    queue: tokio::sync::mpsc::Sender<SentRecord>,
}

/// A sent delivery, and where to say once it is recorded.
type SentRecord = (i32, tokio::sync::oneshot::Sender<Result<(), String>>);

impl SentRecorder {
    /// Starts the recorder of one batch; it stops once every handle is dropped. At most
    /// `group` records wait at once (the batch's concurrency: one per send in flight).
    fn start(db: sea_orm::DatabaseConnection, group: usize) -> Self {
        let (queue, mut waiting) = tokio::sync::mpsc::channel(group);
        tokio::spawn(async move {
            let mut ids = Vec::with_capacity(group);
            let mut replies: Vec<SentRecord> = Vec::with_capacity(group);
            while waiting.recv_many(&mut replies, group).await > 0 {
                ids.extend(replies.iter().map(|(id, _)| *id));
                let written = finish(&db, &ids, DeliveryStatus::Sent, None).await.map_err(|e| e.to_string());
                for (_, reply) in replies.drain(..) {
                    // A sender that stopped waiting (its task was cancelled) needs no answer.
                    let _ = reply.send(written.clone());
                }
                ids.clear();
            }
        });
        Self { queue }
    }

    /// Records one delivery as SENT, with whatever other records are waiting.
    async fn record_sent(&self, id: i32) -> Result<(), DigestError> {
        let gone = || DigestError::Task("the batch's recorder stopped".to_owned());
        let (reply, written) = tokio::sync::oneshot::channel();
        self.queue.send((id, reply)).await.map_err(|_| gone())?;
        written.await.map_err(|_| gone())?.map_err(|e| DigestError::Db(DbErr::Custom(e)))
    }
}

/// This sender's hold on the deliveries of the batch it works on: renewed in the database
/// every [`DigestSettings::renew_every`](super::DigestSettings::renew_every), and held only
/// while the last renewal is recent enough that no other sender can have taken the
/// deliveries over. A sender that cannot renew (the database is out of reach) stops sending
/// before its claims go stale, so that the sender taking them over is the only one sending.
#[derive(Debug)]
pub struct Lease {
    /// When the last renewal (or the claim) was started, whether or not it is done.
    renewed: std::sync::Mutex<Instant>,
    /// How long after a renewal the lease is held.
    hold: Duration,
}

impl Lease {
    /// A lease taken now (call before claiming) for claims that go stale after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { renewed: std::sync::Mutex::new(Instant::now()), hold: timeout.mul_f64(0.8) }
    }

    fn renewed_at(&self, at: Instant) {
        if let Ok(mut renewed) = self.renewed.lock() {
            *renewed = (*renewed).max(at);
        }
    }

    /// Whether the claims are still this sender's to send.
    pub fn is_held(&self) -> bool {
        self.renewed.lock().map(|renewed| renewed.elapsed() < self.hold).unwrap_or(false)
    }
}

/// Renews the claims on `ids` that are still SENDING, every renewal period, for ever (the
/// caller stops it when the batch is done).
async fn keep_claims(ctx: &DigestContext, ids: &[i32], lease: &Lease) -> std::convert::Infallible {
    let every = ctx.settings.renew_every().max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(every).await;
        let started = Instant::now();
        let renewed = delivery::Entity::update_many()
            .col_expr(delivery::Column::ClaimedAt, Expr::value(Utc::now()))
            .filter(delivery::Column::Id.is_in(ids.iter().copied()))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
            .exec(&ctx.db)
            .await;
        match renewed {
            Ok(_) => lease.renewed_at(started),
            Err(e) => tracing::warn!(error = %e, "digest claims not renewed: they go stale unless a renewal works"),
        }
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

/// What [`deliver`] did with one delivery.
#[derive(Debug, Clone, Copy)]
struct Delivered {
    outcome: DeliveryOutcome,
    /// Sends repeated after a failure.
    retries: usize,
}

/// Sends one claimed delivery and records the outcome.
#[tracing::instrument(skip_all, fields(delivery_id = claimed.id, subscriber_id = claimed.subscriber_id))]
async fn deliver(
    ctx: &DigestContext,
    figures: &WeekFigures,
    claimed: delivery::Model,
    subscriber: Option<subscriber::Model>,
    links: ManageLinks,
    batch: Batch<'_>,
) -> Result<Delivered, DigestError> {
    let Batch { outage, lease, recorder } = batch;
    let db = &ctx.db;
    let done = |outcome| Ok(Delivered { outcome, retries: 0 });
    // The claim as this sender holds it: `attempts` grows by one per send, so an update
    // conditional on it finds out whether another sender has taken the delivery over.
    let mut held = claimed.attempts;
    // What `attempts` was before the claim: a delivery given back unsent gets it back.
    let unclaimed = claimed.attempts - 1;
    if ctx.stop.is_cancelled() {
        release(db, claimed.id, held, unclaimed, None).await?;
        return done(DeliveryOutcome::Released);
    }
    if outage.load(Ordering::SeqCst) {
        release(db, claimed.id, held, unclaimed, None).await?;
        return done(DeliveryOutcome::Deferred);
    }
    let Some(subscriber) = subscriber.filter(|s| s.status == SubscriberStatus::Confirmed) else {
        finish(db, &[claimed.id], DeliveryStatus::Skipped, None).await?;
        return done(DeliveryOutcome::Skipped);
    };
    let digest = compose(figures, &subscriber.roles, &links)?;
    let email = address(digest, &subscriber.email, &claimed.message_id, &links);
    let policy = ctx.settings.retry;
    let mut attempt = 1;
    let outcome = loop {
        if !lease.is_held() {
            // Not renewed for long: another sender may have it by now, so this one leaves
            // it alone (if nobody took it, it is claimed again once stale).
            tracing::warn!("digest claims not renewed in time: leaving this delivery to whoever takes it over");
            break DeliveryOutcome::TakenOver;
        }
        match ctx.mailer.send(&email).await {
            Ok(()) => {
                recorder.record_sent(claimed.id).await?;
                if subscriber.permanent_failures > 0 {
                    reset_failures(db, subscriber.id).await?;
                }
                break DeliveryOutcome::Sent;
            }
            Err(SendError::Permanent(reason)) => {
                tracing::warn!(%reason, "digest refused for good");
                finish(db, &[claimed.id], DeliveryStatus::Failed, Some(reason)).await?;
                count_permanent_failure(db, subscriber.id).await?;
                break DeliveryOutcome::Failed;
            }
            Err(SendError::Temporary(reason) | SendError::Unreachable(reason)) if attempt < policy.attempts => {
                let delay = policy.delay_after(attempt);
                tracing::info!(%reason, attempt, ?delay, "digest send failed for now: retrying");
                if !super::sleep_unless_stopped(&ctx.stop, delay).await {
                    release(db, claimed.id, held, unclaimed, Some(&reason)).await?;
                    break DeliveryOutcome::Released;
                }
                if outage.load(Ordering::SeqCst) {
                    // Another delivery of the batch found the server gone: so is this one's.
                    release(db, claimed.id, held, unclaimed, Some(&reason)).await?;
                    break DeliveryOutcome::Deferred;
                }
                // Renewing the claim tells other senders this delivery is still in hand.
                if !renew_claim(db, claimed.id, held, &reason).await? {
                    tracing::warn!("digest delivery taken over by another sender during retries: leaving it to them");
                    break DeliveryOutcome::TakenOver;
                }
                held += 1;
                attempt += 1;
            }
            Err(SendError::Unreachable(reason)) => {
                tracing::warn!(%reason, attempt, "SMTP server unreachable: delivery given back until it is back");
                outage.store(true, Ordering::SeqCst);
                release(db, claimed.id, held, unclaimed, Some(&reason)).await?;
                break DeliveryOutcome::Deferred;
            }
            Err(SendError::Temporary(reason)) => {
                let reason = format!("gave up after {attempt} attempts: {reason}");
                tracing::warn!(%reason, "digest not sent");
                finish(db, &[claimed.id], DeliveryStatus::Failed, Some(reason)).await?;
                break DeliveryOutcome::Failed;
            }
        }
    };
    Ok(Delivered { outcome, retries: (attempt - 1) as usize })
}

/// Gives a claimed delivery back unsent: PENDING, unclaimed, `attempts` set to `restore`,
/// keeping the failure that made it so (if any) in `last_error`. Only while this sender
/// still holds the claim (SENDING with `held` attempts): a delivery another sender took
/// over stays theirs.
async fn release(
    db: &impl ConnectionTrait,
    id: i32,
    held: i32,
    restore: i32,
    reason: Option<&str>,
) -> Result<(), DbErr> {
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Pending))
        .col_expr(delivery::Column::ClaimedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(delivery::Column::Attempts, Expr::value(restore));
    if let Some(reason) = reason {
        update = update.col_expr(delivery::Column::LastError, Expr::value(reason.to_owned()));
    }
    update
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
        .filter(delivery::Column::Attempts.eq(held))
        .exec(db)
        .await?;
    Ok(())
}

/// Records one more attempt under a fresh claim time; `false` when this sender no longer
/// holds the claim (another sender took the delivery over after it went stale).
async fn renew_claim(db: &impl ConnectionTrait, id: i32, held: i32, reason: &str) -> Result<bool, DbErr> {
    let renewed = delivery::Entity::update_many()
        .col_expr(delivery::Column::ClaimedAt, Expr::value(Utc::now()))
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
        .col_expr(delivery::Column::LastError, Expr::value(reason.to_owned()))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
        .filter(delivery::Column::Attempts.eq(held))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Records deliveries as finished with `status` (SENT ones sent now), in one statement.
async fn finish(
    db: &impl ConnectionTrait,
    ids: &[i32],
    status: DeliveryStatus,
    error: Option<String>,
) -> Result<(), DbErr> {
    let sent_at = (status == DeliveryStatus::Sent).then(Utc::now);
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(delivery::Column::LastError, Expr::value(error))
        .col_expr(delivery::Column::SentAt, Expr::value(sent_at))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
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
