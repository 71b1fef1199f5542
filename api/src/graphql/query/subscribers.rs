//! `subscribers` (admin) and the subscriber output types.

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use entity::subscriber;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::AdminGuard;
use crate::error::ApiResult;
use crate::graphql::pagination::{Page, cursor, split_page};
use crate::graphql::types::{PageInfo, SubscriberStatus};
use crate::state::AppState;

/// A newsletter subscriber: the address, its state and what it follows (never its tokens).
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct Subscriber {
    /// The address, domain lower-cased.
    pub email: String,
    /// Where it is in the double opt-in lifecycle.
    pub status: SubscriberStatus,
    /// Slugs of the roles followed; empty means every role.
    pub roles: Vec<String>,
}

impl From<subscriber::Model> for Subscriber {
    fn from(model: subscriber::Model) -> Self {
        Self { roles: model.roles(), status: model.status.into(), email: model.email }
    }
}

/// A page of subscribers.
#[derive(SimpleObject, Debug, Clone)]
pub struct SubscriberConnection {
    /// The subscribers of this page, oldest sign-up first.
    pub nodes: Vec<Subscriber>,
    /// Where the next page starts.
    pub page_info: PageInfo,
    /// Subscribers matching the filter, on every page.
    pub total_count: i32,
}

/// Subscriber queries (admin).
#[derive(Default)]
pub struct SubscriberQuery;

#[Object]
impl SubscriberQuery {
    /// Subscribers, oldest sign-up first, optionally only those in `status` (admin).
    #[graphql(guard = "AdminGuard", complexity = "first.unwrap_or(50).clamp(0, 100) as usize * child_complexity + 1")]
    async fn subscribers(
        &self,
        ctx: &Context<'_>,
        status: Option<SubscriberStatus>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SubscriberConnection> {
        let db = &ctx.data_unchecked::<AppState>().db;
        list_subscribers(db, status, first.unwrap_or(50), after.as_deref()).await.extend()
    }
}

async fn list_subscribers(
    db: &DatabaseConnection,
    status: Option<SubscriberStatus>,
    first: i32,
    after: Option<&str>,
) -> ApiResult<SubscriberConnection> {
    let page = Page::parse(first, after, "subscriber")?;
    let mut filtered = subscriber::Entity::find();
    if let Some(status) = status {
        filtered = filtered.filter(subscriber::Column::Status.eq(entity::SubscriberStatus::from(status)));
    }
    let total_count = filtered.clone().count(db).await? as i32;
    let mut query = filtered.order_by_asc(subscriber::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(subscriber::Column::Id.gt(after));
    }
    let mut rows = query.limit(page.first + 1).all(db).await?;
    let has_next_page = split_page(&mut rows, page);
    let end_cursor = rows.last().map(|s| cursor("subscriber", s.id));
    Ok(SubscriberConnection {
        nodes: rows.into_iter().map(Subscriber::from).collect(),
        page_info: PageInfo { has_next_page, end_cursor },
        total_count,
    })
}
