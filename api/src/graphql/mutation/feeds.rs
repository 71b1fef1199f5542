//! `addSource`, `removeSource` and `fetchSources` (admin): the job boards followed.

use async_graphql::{Context, Object, ResultExt};
use chrono::Utc;

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::query::feeds::{FeedKind, FeedSource};
use crate::state::{AppState, app_state};

/// Admin mutations over the feeds.
#[derive(Default)]
pub struct FeedMutation;

#[Object]
impl FeedMutation {
    /// Follows a company's job board (`board` is its name in the board's URL); it is fetched
    /// on `FETCH_SCHEDULE`, or now with `fetchSources`.
    #[graphql(guard = "AdminGuard")]
    async fn add_source(&self, ctx: &Context<'_>, kind: FeedKind, board: String) -> async_graphql::Result<FeedSource> {
        let state = app_state(ctx);
        let source = jobs::feeds::sources::add(&state.db, kind.into(), &board, Utc::now())
            .await
            .map_err(ApiError::from)
            .extend()?;
        Ok(FeedSource::new(source, state))
    }

    /// Stops following a board; its open postings are closed today.
    #[graphql(guard = "AdminGuard")]
    async fn remove_source(&self, ctx: &Context<'_>, kind: FeedKind, board: String) -> async_graphql::Result<bool> {
        remove_source(app_state(ctx), kind, &board).await.extend()
    }

    /// Fetches every board followed now (or the one named), one request at a time per API.
    #[graphql(guard = "AdminGuard")]
    async fn fetch_sources(
        &self,
        ctx: &Context<'_>,
        kind: Option<FeedKind>,
        board: Option<String>,
    ) -> async_graphql::Result<Vec<FeedSource>> {
        fetch_sources(app_state(ctx), kind, board).await.extend()
    }
}

/// The service behind `removeSource`.
pub async fn remove_source(state: &AppState, kind: FeedKind, board: &str) -> ApiResult<bool> {
    Ok(state.write(jobs::feeds::sources::remove(&state.db, kind.into(), board, Utc::now())).await?)
}

/// The service behind `fetchSources`.
pub async fn fetch_sources(
    state: &AppState,
    kind: Option<FeedKind>,
    board: Option<String>,
) -> ApiResult<Vec<FeedSource>> {
    let only = match (kind, board.as_deref()) {
        (None, None) => None,
        (Some(kind), Some(board)) => {
            let kind = kind.into();
            if jobs::feeds::sources::find(&state.db, kind, board).await?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "{} board \"{}\" is not followed",
                    kind.prefix(),
                    board.trim()
                )));
            }
            Some((kind, board))
        }
        _ => return Err(ApiError::BadUserInput("kind and board: give both, or neither to fetch every board".into())),
    };
    let sources = crate::feeds::fetch(state, only).await?;
    Ok(sources.into_iter().map(|s| FeedSource::new(s, state)).collect())
}
