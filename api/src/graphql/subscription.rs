//! `snapshotPublished`: snapshots pushed over graphql-ws as they are created or recomputed.

use async_graphql::{Context, ErrorExtensions, Subscription};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use crate::error::ApiError;
use crate::graphql::DB_COST;
use crate::graphql::types::Snapshot;
use crate::state::app_state;

/// Live updates.
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each snapshot as it is created or recomputed; only `role`'s when a slug is given.
    #[graphql(complexity = "DB_COST + child_complexity")]
    async fn snapshot_published(
        &self,
        ctx: &Context<'_>,
        role: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Snapshot>> {
        let state = app_state(ctx);
        let role_id = match role {
            None => None,
            Some(slug) => Some(
                jobs::roles::find_by_slug(&state.db, &slug)
                    .await
                    .map_err(|e| ApiError::from(e).extend())?
                    .ok_or_else(|| ApiError::NotFound(format!("no role has the slug \"{slug}\"")).extend())?
                    .id,
            ),
        };
        let events = BroadcastStream::new(state.changes.subscribe());
        Ok(events.filter_map(move |event| async move {
            // A lagging client skips what it missed rather than failing the stream.
            let snapshot = event.ok()?;
            role_id.is_none_or(|id| id == snapshot.role_id).then_some(Snapshot(snapshot))
        }))
    }
}
