//! A job board followed, and the outcome of its last fetch.

use sea_orm::entity::prelude::*;

use crate::FeedKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_source")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: FeedKind,
    /// The board's name at its host (`acme` in boards.greenhouse.io/acme).
    pub board: String,
    pub created_at: DateTimeUtc,
    /// Set while a fetch runs (a lease other replicas respect).
    pub fetch_started_at: Option<DateTimeUtc>,
    pub last_fetched_at: Option<DateTimeUtc>,
    pub last_succeeded_at: Option<DateTimeUtc>,
    pub last_seen: i32,
    pub last_new: i32,
    pub last_closed: i32,
    pub last_reopened: i32,
    pub last_unclassified: i32,
    pub last_refused: i32,
    /// Why the last fetch failed; null when it succeeded.
    pub last_error: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The `source` its postings carry, e.g. `greenhouse:acme`.
    pub fn posting_source(&self) -> String {
        format!("{}:{}", self.kind.prefix(), self.board)
    }
}
