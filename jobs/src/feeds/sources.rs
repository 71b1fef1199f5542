//! The boards admins follow: add, remove, list.

use chrono::{DateTime, Utc};
use entity::{FeedKind, feed_source, posting, unclassified_posting};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use crate::edit::EditError;

/// Most boards followed at once.
pub const MAX_SOURCES: u64 = 500;

/// Checks a board name: 1–100 letters, digits, dots, hyphens and underscores, as the three
/// APIs spell them in their URLs.
pub fn validate_board(board: &str) -> Result<&str, EditError> {
    let board = board.trim();
    let ok = !board.is_empty()
        && board.len() <= 100
        && board.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !board.starts_with('.');
    if ok {
        Ok(board)
    } else {
        Err(EditError::Invalid(format!(
            "board \"{board}\" must be 1–100 letters, digits, '.', '-' or '_' (the name in the board's URL, e.g. \"acme\")"
        )))
    }
}

/// Starts following a board.
pub async fn add(
    db: &impl ConnectionTrait,
    kind: FeedKind,
    board: &str,
    now: DateTime<Utc>,
) -> Result<feed_source::Model, EditError> {
    let board = validate_board(board)?;
    if find(db, kind, board).await?.is_some() {
        return Err(EditError::Invalid(format!("{} board \"{board}\" is already followed", kind.prefix())));
    }
    let count = feed_source::Entity::find().count(db).await?;
    if count >= MAX_SOURCES {
        return Err(EditError::Invalid(format!("{count} boards are followed: at most {MAX_SOURCES}")));
    }
    let model = feed_source::ActiveModel {
        kind: Set(kind),
        board: Set(board.to_owned()),
        created_at: Set(now),
        last_seen: Set(0),
        last_new: Set(0),
        last_closed: Set(0),
        last_reopened: Set(0),
        last_unclassified: Set(0),
        last_refused: Set(0),
        ..Default::default()
    };
    Ok(feed_source::Entity::insert(model).exec_with_returning(db).await?)
}

/// The source of `kind` and `board`, if followed.
pub async fn find(
    db: &impl ConnectionTrait,
    kind: FeedKind,
    board: &str,
) -> Result<Option<feed_source::Model>, sea_orm::DbErr> {
    feed_source::Entity::find()
        .filter(feed_source::Column::Kind.eq(kind))
        .filter(feed_source::Column::Board.eq(board.trim()))
        .one(db)
        .await
}

/// Stops following a board. Its open postings are closed today: nothing tells any more
/// whether they are still open.
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    kind: FeedKind,
    board: &str,
    now: DateTime<Utc>,
) -> Result<bool, EditError> {
    let source = find(db, kind, board)
        .await?
        .ok_or_else(|| EditError::NotFound(format!("{} board \"{}\" is not followed", kind.prefix(), board.trim())))?;
    let today = now.date_naive();
    let txn = db.begin().await?;
    posting::Entity::update_many()
        .col_expr(posting::Column::ClosedAt, Expr::value(today))
        .col_expr(posting::Column::UpdatedAt, Expr::value(now))
        .filter(posting::Column::Source.eq(source.posting_source()))
        .filter(posting::Column::ClosedAt.is_null())
        .filter(posting::Column::PostedAt.lte(today))
        .exec(&txn)
        .await?;
    unclassified_posting::Entity::update_many()
        .col_expr(unclassified_posting::Column::ClosedAt, Expr::value(today))
        .filter(unclassified_posting::Column::Source.eq(source.posting_source()))
        .filter(unclassified_posting::Column::ClosedAt.is_null())
        .exec(&txn)
        .await?;
    feed_source::Entity::delete_by_id(source.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// Every board followed, by kind and name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<feed_source::Model>, sea_orm::DbErr> {
    feed_source::Entity::find()
        .order_by_asc(feed_source::Column::Kind)
        .order_by_asc(feed_source::Column::Board)
        .all(db)
        .await
}
