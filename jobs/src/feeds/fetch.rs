//! One fetch of a board: claim it (replicas skip a board another one is fetching), read
//! its API, ingest its postings as raw rows, close what disappeared, record the outcome.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{FeedKind, feed_source, posting, unclassified_posting};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use super::{Feeds, parse_board, sources};
use crate::Date;
use crate::classify::Classifier;
use crate::raw::{self, RawPosting};

/// A fetch that started longer ago than this is taken to have died.
const LEASE_MINUTES: i64 = 15;
/// Ids per statement.
const CHUNK: usize = 500;

/// What a successful fetch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    seen: usize,
    new: usize,
    closed: usize,
    reopened: usize,
    unclassified: usize,
    refused: usize,
}

/// Takes the board for this fetch; false when another fetch holds it.
async fn claim(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let stale = now - Duration::minutes(LEASE_MINUTES);
    let claimed = feed_source::Entity::update_many()
        .col_expr(feed_source::Column::FetchStartedAt, Expr::value(now))
        .filter(feed_source::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(feed_source::Column::FetchStartedAt.is_null())
                .add(feed_source::Column::FetchStartedAt.lt(stale)),
        )
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

async fn record(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
    outcome: &Result<Counts, String>,
) -> Result<(), DbErr> {
    let counts = outcome.as_ref().copied().unwrap_or_default();
    let n = |v: usize| Expr::value(i32::try_from(v).unwrap_or(i32::MAX));
    let mut update = feed_source::Entity::update_many()
        .col_expr(feed_source::Column::FetchStartedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(feed_source::Column::LastFetchedAt, Expr::value(now))
        .col_expr(feed_source::Column::LastSeen, n(counts.seen))
        .col_expr(feed_source::Column::LastNew, n(counts.new))
        .col_expr(feed_source::Column::LastClosed, n(counts.closed))
        .col_expr(feed_source::Column::LastReopened, n(counts.reopened))
        .col_expr(feed_source::Column::LastUnclassified, n(counts.unclassified))
        .col_expr(feed_source::Column::LastRefused, n(counts.refused))
        .col_expr(feed_source::Column::LastError, Expr::value(outcome.as_ref().err().cloned()));
    if outcome.is_ok() {
        update = update.col_expr(feed_source::Column::LastSucceededAt, Expr::value(now));
    }
    update.filter(feed_source::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Per external id of a source: (posted_at, closed_at) of its posting or row kept aside.
async fn known(
    db: &impl ConnectionTrait,
    source: &str,
) -> Result<HashMap<String, (Option<NaiveDate>, Option<NaiveDate>)>, DbErr> {
    let postings: Vec<(String, NaiveDate, Option<NaiveDate>)> = posting::Entity::find()
        .select_only()
        .columns([posting::Column::ExternalId, posting::Column::PostedAt, posting::Column::ClosedAt])
        .filter(posting::Column::Source.eq(source))
        .into_tuple()
        .all(db)
        .await?;
    let aside: Vec<(String, Option<NaiveDate>)> = unclassified_posting::Entity::find()
        .select_only()
        .columns([unclassified_posting::Column::ExternalId, unclassified_posting::Column::ClosedAt])
        .filter(unclassified_posting::Column::Source.eq(source))
        .into_tuple()
        .all(db)
        .await?;
    let mut known: HashMap<String, (Option<NaiveDate>, Option<NaiveDate>)> =
        aside.into_iter().map(|(id, closed)| (id, (None, closed))).collect();
    known.extend(postings.into_iter().map(|(id, posted, closed)| (id, (Some(posted), closed))));
    Ok(known)
}

/// Closes today the open postings and rows kept aside of `source` that are not in `seen`.
async fn close_missing(
    db: &impl ConnectionTrait,
    source: &str,
    known: &HashMap<String, (Option<NaiveDate>, Option<NaiveDate>)>,
    seen: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let today = now.date_naive();
    let missing: Vec<String> = known
        .iter()
        .filter(|(id, (_, closed))| closed.is_none() && !seen.contains(*id))
        .map(|(id, _)| id.clone())
        .collect();
    for chunk in missing.chunks(CHUNK) {
        posting::Entity::update_many()
            .col_expr(posting::Column::ClosedAt, Expr::value(today))
            .col_expr(posting::Column::UpdatedAt, Expr::value(now))
            .filter(posting::Column::Source.eq(source))
            .filter(posting::Column::ExternalId.is_in(chunk.iter().cloned()))
            .filter(posting::Column::PostedAt.lte(today))
            .exec(db)
            .await?;
        unclassified_posting::Entity::update_many()
            .col_expr(unclassified_posting::Column::ClosedAt, Expr::value(today))
            .filter(unclassified_posting::Column::Source.eq(source))
            .filter(unclassified_posting::Column::ExternalId.is_in(chunk.iter().cloned()))
            .exec(db)
            .await?;
    }
    Ok(missing.len())
}

async fn fetch_and_store(
    db: &DatabaseConnection,
    feeds: &Feeds,
    classifier: &Classifier,
    source: &feed_source::Model,
    writing: &tokio::sync::Mutex<()>,
    now: DateTime<Utc>,
) -> Result<Result<Counts, String>, DbErr> {
    let url = feeds.urls.board_url(source.kind, &source.board);
    let body = match feeds.client.get(&url).await {
        Ok(body) => body,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let name = source.posting_source();
    let mut rows: Vec<RawPosting> = match parse_board(source.kind, &body, &source.board, &name) {
        Ok(rows) => rows,
        Err(e) => return Ok(Err(format!("{url}: {e}"))),
    };
    // Boards are read side by side, written one at a time: SQLite takes one writer.
    let _writing = writing.lock().await;
    let known = known(db, &name).await?;
    for row in &mut rows {
        // A posting keeps the date it was first posted, whatever the board says later.
        if let Some((Some(posted), _)) = known.get(&row.external_id) {
            row.posted_at = Some(Date(*posted));
        }
    }
    let seen: HashSet<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let report = raw::ingest_raw(db, classifier, rows, 0, now).await?;
    let refused: HashSet<usize> = report.rejected.iter().map(|r| r.index).collect();
    let stored = ids.iter().enumerate().filter(|(i, _)| !refused.contains(i)).map(|(_, id)| id);
    let (mut new, mut reopened) = (0, 0);
    for id in stored {
        match known.get(id) {
            None => new += 1,
            Some((_, Some(_))) => reopened += 1,
            Some((_, None)) => {}
        }
    }
    let closed = close_missing(db, &name, &known, &seen, now).await?;
    if let Some(first) = report.rejected.first() {
        tracing::info!(source = %name, refused = report.rejected.len(), first = %first.reason, "feed postings refused");
    }
    Ok(Ok(Counts {
        seen: seen.len(),
        new,
        closed,
        reopened,
        unclassified: report.unclassified,
        refused: report.rejected.len(),
    }))
}

/// Fetches one board now (unless another fetch holds it) and returns its updated record.
pub async fn fetch_source(
    db: &DatabaseConnection,
    feeds: &Feeds,
    classifier: &Classifier,
    source: &feed_source::Model,
    writing: &tokio::sync::Mutex<()>,
    now: DateTime<Utc>,
) -> Result<feed_source::Model, DbErr> {
    if !claim(db, source.id, now).await? {
        tracing::info!(source = %source.posting_source(), "skipped: another fetch of this board is running");
    } else {
        let outcome = fetch_and_store(db, feeds, classifier, source, writing, now).await;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                record(db, source.id, now, &Err(format!("database: {e}"))).await?;
                return Err(e);
            }
        };
        match &outcome {
            Ok(c) => {
                tracing::info!(source = %source.posting_source(), seen = c.seen, new = c.new, closed = c.closed, "board fetched")
            }
            Err(error) => {
                tracing::warn!(source = %source.posting_source(), %error, "board fetch failed: nothing closed")
            }
        }
        metrics::counter!("feed_fetches_total", "kind" => source.kind.prefix(), "outcome" => if outcome.is_ok() { "ok" } else { "failed" })
            .increment(1);
        record(db, source.id, now, &outcome).await?;
    }
    feed_source::Entity::find_by_id(source.id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("feed source {}", source.id)))
}

/// Fetches every board followed (of one kind and name when `only` is given): boards of one
/// API one after the other, the three APIs side by side.
pub async fn fetch_all(
    db: &DatabaseConnection,
    feeds: &Feeds,
    only: Option<(FeedKind, &str)>,
    now: DateTime<Utc>,
) -> Result<Vec<feed_source::Model>, DbErr> {
    let mut all = sources::list(db).await?;
    if let Some((kind, board)) = only {
        all.retain(|s| s.kind == kind && s.board == board.trim());
    }
    let classifier = Classifier::load(db).await?;
    let writing = tokio::sync::Mutex::new(());
    let by_kind = [FeedKind::Greenhouse, FeedKind::Lever, FeedKind::Ashby].map(|kind| {
        let of_kind: Vec<feed_source::Model> = all.iter().filter(|s| s.kind == kind).cloned().collect();
        let (classifier, writing) = (&classifier, &writing);
        async move {
            let mut done = Vec::with_capacity(of_kind.len());
            for source in &of_kind {
                done.push(fetch_source(db, feeds, classifier, source, writing, now).await?);
            }
            Ok::<_, DbErr>(done)
        }
    });
    let mut fetched = Vec::new();
    for part in futures::future::join_all(by_kind).await {
        fetched.extend(part?);
    }
    fetched.sort_by(|a, b| (a.kind.prefix(), &a.board).cmp(&(b.kind.prefix(), &b.board)));
    Ok(fetched)
}
