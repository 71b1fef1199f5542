//! `roles`, `role(slug)` and the role's snapshot, trend and postings.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Object, ResultExt};
use sea_orm::DatabaseConnection;

use super::postings::{PostingFilter, role_postings};
use crate::error::{ApiError, ApiResult};
use crate::graphql::DB_COST;
use crate::graphql::loaders::{LatestSnapshotKey, SiblingRoles, TrendKey, WeekSnapshotKey, loader};
use crate::graphql::pagination::{Page, cursor, known_total, split_page};
use crate::graphql::scalars::{Date, NamesAWeek};
use crate::graphql::types::{PostingConnection, Role, RoleConnection, RoleEdge, Snapshot, TrendPoint, page_of};
use crate::state::app_state;

/// Most weeks a trend may span.
pub const MAX_TREND_WEEKS: i32 = 104;

/// Role queries.
#[derive(Default)]
pub struct RoleQuery;

#[Object]
impl RoleQuery {
    /// Every role, by creation order.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 2 * DB_COST")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<RoleConnection> {
        list_roles(&app_state(ctx).db, first.unwrap_or(20), after.as_deref()).await.extend()
    }

    /// The role with this slug, or null.
    #[graphql(complexity = "DB_COST + child_complexity")]
    async fn role(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Role>> {
        let db = &app_state(ctx).db;
        Ok(jobs::roles::find_by_slug(db, &slug).await.map_err(ApiError::from).extend()?.map(Role::from))
    }
}

async fn list_roles(db: &DatabaseConnection, first: i32, after: Option<&str>) -> ApiResult<RoleConnection> {
    let page = Page::parse(first, after, "role")?;
    let mut rows = jobs::roles::page(db, page.into()).await?;
    let has_next = split_page(&mut rows, page);
    let known_total = known_total(page, has_next, rows.len());
    let siblings = Arc::new(SiblingRoles::new(rows.iter().map(|r| r.id).collect()));
    let (nodes, page_info) = page_of(
        rows,
        has_next,
        |r| cursor("role", r.id),
        |r| Role { siblings: Some(siblings.clone()), ..Role::from(r) },
    );
    Ok(RoleConnection { nodes, page_info, known_total })
}

#[ComplexObject]
impl RoleConnection {
    /// Edges with cursors.
    async fn edges(&self) -> Vec<RoleEdge> {
        self.nodes.iter().map(|node| RoleEdge { cursor: cursor("role", node.role_id), node: node.clone() }).collect()
    }

    /// Roles in all.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        if let Some(known) = self.known_total {
            return Ok(known);
        }
        let count = jobs::roles::count(&app_state(ctx).db).await.map_err(ApiError::from).extend()?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}

#[ComplexObject]
impl Role {
    /// The snapshot of `week`, or the latest one when `week` is omitted; null without data.
    async fn snapshot(&self, ctx: &Context<'_>, week: Option<Date>) -> async_graphql::Result<Option<Snapshot>> {
        role_snapshot(ctx, self.role_id, week).await.extend()
    }

    /// The last `weeks` weeks that have a snapshot, oldest first (at most 104), ending with
    /// the week `until` (a Monday; default: the latest week).
    async fn trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] weeks: Option<i32>,
        until: Option<Date>,
    ) -> async_graphql::Result<Vec<TrendPoint>> {
        role_trend(ctx, self.role_id, weeks.unwrap_or(12), until).await.extend()
    }

    /// This role's postings, filtered.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 2 * DB_COST")]
    async fn postings(
        &self,
        ctx: &Context<'_>,
        filter: Option<PostingFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<PostingConnection> {
        role_postings(ctx, self, filter.unwrap_or_default(), first.unwrap_or(20), after.as_deref()).await.extend()
    }
}

async fn role_snapshot(ctx: &Context<'_>, role_id: i32, week: Option<Date>) -> ApiResult<Option<Snapshot>> {
    let found = match week {
        Some(date) => loader(ctx).load_one(WeekSnapshotKey(role_id, date.week()?.monday())).await?,
        None => loader(ctx).load_one(LatestSnapshotKey(role_id)).await?,
    };
    Ok(found.map(Snapshot))
}

async fn role_trend(ctx: &Context<'_>, role_id: i32, weeks: i32, until: Option<Date>) -> ApiResult<Vec<TrendPoint>> {
    if !(1..=MAX_TREND_WEEKS).contains(&weeks) {
        return Err(ApiError::BadUserInput(format!("weeks must be between 1 and {MAX_TREND_WEEKS}, got {weeks}")));
    }
    let until = until
        .map(|d| jobs::Week::from_monday(d.0).map_err(|e| ApiError::BadUserInput(format!("until: {e}"))))
        .transpose()?;
    let key = TrendKey(role_id, weeks as usize, until.map(|w| w.monday()));
    let snapshots = loader(ctx).load_one(key).await?.unwrap_or_default();
    Ok(jobs::figures::trend(&snapshots).into_iter().map(TrendPoint::from).collect())
}
