//! A week's digest run: created once (the unique week is the arbiter between concurrent
//! starters), with its delivery rows, and its counts kept from the delivery rows.

use chrono::{DateTime, Utc};
use entity::{DeliveryStatus, RunStatus, SubscriberStatus, delivery, digest_run, snapshot, subscriber};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};

use super::DigestError;
use super::compose::message_id_affixes;
use crate::week::Week;

/// Most runs `digestRuns` lists.
pub const MAX_RUNS_LISTED: u64 = 100;

/// How a run was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The run, as it stands.
    pub run: digest_run::Model,
    /// Whether this call created it (and recomputed the week's snapshots).
    pub created: bool,
    /// The snapshots recomputed before creating it (empty when it existed).
    pub recomputed: Vec<snapshot::Model>,
}

/// The run of `week`, if one was ever started.
pub async fn find_run(db: &impl ConnectionTrait, week: Week) -> Result<Option<digest_run::Model>, DbErr> {
    digest_run::Entity::find().filter(digest_run::Column::Week.eq(week.monday())).one(db).await
}

/// The latest `first` runs, newest week first.
pub async fn list_runs(db: &impl ConnectionTrait, first: u64) -> Result<Vec<digest_run::Model>, DbErr> {
    digest_run::Entity::find()
        .order_by_desc(digest_run::Column::Week)
        .limit(Ord::min(first, MAX_RUNS_LISTED))
        .all(db)
        .await
}

/// Returns the run of `week`, creating it when there is none: the week's snapshots are
/// recomputed and one PENDING delivery is written per CONFIRMED subscriber, all in one
/// transaction, so that nobody ever sees a run without its deliveries.
pub async fn start(db: &DatabaseConnection, week: Week, now: DateTime<Utc>) -> Result<Started, DigestError> {
    if let Some(run) = find_run(db, week).await? {
        return Ok(Started { run, created: false, recomputed: Vec::new() });
    }
    if week.sunday() >= now.date_naive() {
        return Err(DigestError::WeekNotOver(week));
    }
    let txn = db.begin().await?;
    // The insert comes first: it takes SQLite's write lock, and on PostgreSQL a concurrent
    // starter waits on the unique week until this transaction ends, then loses.
    let inserted = digest_run::ActiveModel {
        week: Set(week.monday()),
        status: Set(RunStatus::Sending),
        recipients: Set(0),
        sent: Set(0),
        failed: Set(0),
        started_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let run = match inserted {
        Ok(run) => run,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let run = find_run(db, week)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("digest run of {week} vanished after a conflict")))?;
            return Ok(Started { run, created: false, recomputed: Vec::new() });
        }
        Err(e) => return Err(e.into()),
    };
    let recomputed = crate::snapshots::recompute_week(&txn, week, false, now).await?;
    let has_snapshots =
        snapshot::Entity::find().filter(snapshot::Column::Week.eq(week.monday())).count(&txn).await? > 0;
    if !has_snapshots {
        txn.rollback().await?;
        return Err(DigestError::NoSnapshots(week));
    }
    insert_deliveries(&txn, run.id, week).await?;
    let recipients = delivery::Entity::find().filter(delivery::Column::RunId.eq(run.id)).count(&txn).await?;
    let mut model: digest_run::ActiveModel = run.into();
    model.recipients = Set(i32::try_from(recipients).unwrap_or(i32::MAX));
    let run = model.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(%week, run_id = run.id, recipients, "digest run created");
    Ok(Started { run, created: true, recomputed })
}

/// One PENDING delivery per CONFIRMED subscriber, written by the database itself
/// (`INSERT … SELECT`): the list is never loaded into memory, whatever its size.
async fn insert_deliveries(db: &impl ConnectionTrait, run_id: i32, week: Week) -> Result<(), DbErr> {
    let (prefix, suffix) = message_id_affixes(week);
    let select = Query::select()
        .expr(Expr::val(run_id))
        .column((subscriber::Entity, subscriber::Column::Id))
        .expr(Expr::value(DeliveryStatus::Pending))
        .expr(Expr::val(0))
        .expr(
            Expr::val(prefix)
                .binary(BinOper::Custom("||"), Expr::col((subscriber::Entity, subscriber::Column::Id)).cast_as("TEXT"))
                .binary(BinOper::Custom("||"), Expr::val(suffix)),
        )
        .from(subscriber::Entity)
        .and_where(subscriber::Column::Status.eq(SubscriberStatus::Confirmed))
        .order_by((subscriber::Entity, subscriber::Column::Id), sea_orm::Order::Asc)
        .to_owned();
    let insert = Query::insert()
        .into_table(delivery::Entity)
        .columns([
            delivery::Column::RunId,
            delivery::Column::SubscriberId,
            delivery::Column::Status,
            delivery::Column::Attempts,
            delivery::Column::MessageId,
        ])
        .select_from(select)
        .map_err(|e| DbErr::Custom(format!("building the delivery insert: {e}")))?
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// How a run's deliveries stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Not yet attempted.
    pub pending: i64,
    /// Claimed by a sender.
    pub sending: i64,
    /// Accepted by SMTP.
    pub sent: i64,
    /// Refused for good.
    pub failed: i64,
    /// Not sent: the subscriber left first.
    pub skipped: i64,
}

/// Counts a run's deliveries by status.
pub async fn tally(db: &impl ConnectionTrait, run_id: i32) -> Result<Tally, DbErr> {
    let rows: Vec<(DeliveryStatus, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "count")
        .filter(delivery::Column::RunId.eq(run_id))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut tally = Tally::default();
    for (status, count) in rows {
        match status {
            DeliveryStatus::Pending => tally.pending = count,
            DeliveryStatus::Sending => tally.sending = count,
            DeliveryStatus::Sent => tally.sent = count,
            DeliveryStatus::Failed => tally.failed = count,
            DeliveryStatus::Skipped => tally.skipped = count,
        }
    }
    Ok(tally)
}

/// Writes the run's counts from its deliveries; when none is left to send, marks it DONE
/// with its finish time (once: a run already DONE keeps its first finish time).
pub async fn record_progress(
    db: &impl ConnectionTrait,
    run_id: i32,
    now: DateTime<Utc>,
) -> Result<digest_run::Model, DbErr> {
    let tally = tally(db, run_id).await?;
    let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    let mut update = digest_run::Entity::update_many()
        .col_expr(digest_run::Column::Sent, Expr::value(count(tally.sent)))
        .col_expr(digest_run::Column::Failed, Expr::value(count(tally.failed)))
        .filter(digest_run::Column::Id.eq(run_id))
        .filter(digest_run::Column::Status.eq(RunStatus::Sending));
    if tally.pending == 0 && tally.sending == 0 {
        update = update
            .col_expr(digest_run::Column::Status, Expr::value(RunStatus::Done))
            .col_expr(digest_run::Column::FinishedAt, Expr::value(now));
    }
    update.exec(db).await?;
    digest_run::Entity::find_by_id(run_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("digest run {run_id}")))
}
