//! `sources` (admin): the job boards followed and their last fetch.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::feed_source;

use crate::auth::AdminGuard;
use crate::error::ApiError;
use crate::state::{AppState, app_state};

/// A job-board API.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::FeedKind")]
pub enum FeedKind {
    /// Greenhouse (boards.greenhouse.io/BOARD).
    Greenhouse,
    /// Lever (jobs.lever.co/BOARD).
    Lever,
    /// Ashby (jobs.ashbyhq.com/BOARD).
    Ashby,
}

/// The outcome of a board's last fetch.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeedFetch {
    /// When it ran.
    pub fetched_at: DateTime<Utc>,
    /// Whether it read the whole board (a failed fetch closes nothing).
    pub succeeded: bool,
    /// When a fetch last succeeded.
    pub last_succeeded_at: Option<DateTime<Utc>>,
    /// Postings on the board.
    pub seen: i32,
    /// Of them, new to salarygraph.
    pub new: i32,
    /// Postings closed because they left the board.
    pub closed: i32,
    /// Postings that came back and were reopened.
    pub reopened: i32,
    /// Postings kept aside: their title matches no role.
    pub unclassified: i32,
    /// Postings refused (e.g. pay in a currency without an exchange rate).
    pub refused: i32,
    /// Why it failed.
    pub error: Option<String>,
}

/// A job board followed.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeedSource {
    /// Its id.
    pub id: ID,
    /// The API.
    pub kind: FeedKind,
    /// The board's name in its URL.
    pub board: String,
    /// The `source` its postings carry, e.g. `greenhouse:acme`.
    pub source: String,
    /// The address fetched.
    pub url: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Its last fetch; null before the first.
    pub last_fetch: Option<FeedFetch>,
}

impl FeedSource {
    /// The GraphQL view of a source record.
    pub fn new(model: feed_source::Model, state: &AppState) -> Self {
        let last_fetch = model.last_fetched_at.map(|fetched_at| FeedFetch {
            fetched_at,
            succeeded: model.last_error.is_none(),
            last_succeeded_at: model.last_succeeded_at,
            seen: model.last_seen,
            new: model.last_new,
            closed: model.last_closed,
            reopened: model.last_reopened,
            unclassified: model.last_unclassified,
            refused: model.last_refused,
            error: model.last_error.clone(),
        });
        Self {
            id: ID(model.id.to_string()),
            kind: model.kind.into(),
            source: model.posting_source(),
            url: state.feeds.urls.board_url(model.kind, &model.board),
            board: model.board,
            created_at: model.created_at,
            last_fetch,
        }
    }
}

/// Admin reads of the feeds.
#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// The job boards followed, with their last fetch.
    #[graphql(guard = "AdminGuard")]
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FeedSource>> {
        let state = app_state(ctx);
        let sources = jobs::feeds::sources::list(&state.db)
            .await
            .map_err(|e| async_graphql::ErrorExtensions::extend(&ApiError::from(e)))?;
        Ok(sources.into_iter().map(|s| FeedSource::new(s, state)).collect())
    }
}
